"""Stage 4, metrics per segment and overall (definitions written into every report)."""

from segkit.metrics.compute import MetricOptions, compute_metrics
from segkit.metrics.definitions import DEFINITIONS

__all__ = ["DEFINITIONS", "MetricOptions", "compute_metrics"]

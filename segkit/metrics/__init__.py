"""Stage 4, metrics per segment and overall (definitions written into every report).

Each metric is a function plus its definition in one family module, found through
``segkit.metrics.registry``.
"""

from segkit.metrics.compute import compute_metrics
from segkit.metrics.options import MetricOptions
from segkit.metrics.registry import PERIOD_NOTE, definitions

DEFINITIONS: dict[str, str] = definitions()

__all__ = ["DEFINITIONS", "PERIOD_NOTE", "MetricOptions", "compute_metrics"]

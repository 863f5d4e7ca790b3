"""Stage 2, features: per-account facts from every input (events via embedded DuckDB)."""

from segkit.features.period import Period
from segkit.features.build import FeatureSet, build_features
from segkit.features.events.base import EVENT_FEATURES, EventEngine

__all__ = ["EVENT_FEATURES", "EventEngine", "FeatureSet", "Period", "build_features"]

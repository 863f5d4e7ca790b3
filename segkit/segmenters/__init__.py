"""Stage 3, segmenters: each labels every account; discovered through entry points."""

from segkit.segmenters.base import UNKNOWN, Param, Segmenter
from segkit.segmenters.registry import ENTRY_POINT_GROUP, Registry, SegmenterInfo, discover, register

__all__ = ["ENTRY_POINT_GROUP", "UNKNOWN", "Param", "Registry", "Segmenter", "SegmenterInfo", "discover", "register"]

"""Conformance kits: the contract of each extension kind, checked on any implementation.

Plugin authors run the same kit on theirs that segkit's suite runs on every registered one:
``check_segmenter`` (segmenters). Writers, presets and engines have kits of their own beside it.
"""

from segkit.testing.segmenters import CHECKS, check_segmenter, make_features

__all__ = ["CHECKS", "check_segmenter", "make_features"]

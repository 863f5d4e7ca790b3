"""Conformance kits: the contract of each extension kind, checked on any implementation.

Plugin authors run the same kit on theirs that segkit's suite runs on every registered one:
``check_segmenter`` (segmenters), ``check_writer`` (writers). Presets and engines have kits of
their own beside them.
"""

from segkit.testing.segmenters import CHECKS, check_segmenter, make_features
from segkit.testing.writers import CHECKS as WRITER_CHECKS
from segkit.testing.writers import check_writer, make_report

__all__ = ["CHECKS", "WRITER_CHECKS", "check_segmenter", "check_writer", "make_features", "make_report"]

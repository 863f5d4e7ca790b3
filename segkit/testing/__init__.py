"""Conformance kits: the contract of each extension kind, checked on any implementation.

Plugin authors run the same kit on theirs that segkit's suite runs on every registered one:
``check_segmenter`` (segmenters), ``check_writer`` (writers), ``check_preset`` (input presets),
``check_engine`` (event engines: identical figures to the DuckDB engine's).
"""

from segkit.testing.engines import check_engine
from segkit.testing.presets import check_preset
from segkit.testing.segmenters import CHECKS, check_segmenter, make_features
from segkit.testing.writers import CHECKS as WRITER_CHECKS
from segkit.testing.writers import check_writer, make_report

__all__ = [
    "CHECKS", "WRITER_CHECKS", "check_engine", "check_preset", "check_segmenter", "check_writer", "make_features",
    "make_report",
]

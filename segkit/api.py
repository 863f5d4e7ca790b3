"""segkit's Python API: the jobs of ``segkit.jobs``, one function each; the CLI calls the same ones.

    from segkit import api
    report = api.segment(["companies.csv", "subscriptions.csv"], by=["firmographic"])
    api.write_outputs(report, "out/")
"""

from __future__ import annotations

from pathlib import Path

from segkit.features import FeatureSet
from segkit.jobs import (
    SegmentOptions,
    convert,
    feature_set,
    fit_clv,
    fit_retention,
    icp,
    init_config,
    list_plugins,
    list_segmenters,
    load,
    parse_by,
    read_config,
    registry_warnings,
    sample,
    segment,
    validate,
)
from segkit.jobs.diff import diff
from segkit.jobs.nightly import NightlyOptions, run_segment, segment_to_dir
from segkit.jobs.settings import READ_OPTIONS
from segkit.report import Report
from segkit.writers import write_outputs as _write_outputs


def write_outputs(report: Report, out_dir: str | Path, *, keep: int = 30) -> list[Path]:
    """Write report.json, segments.csv, assignments.{parquet,csv}, rejected.csv, report.html, run.json
    under DIR's lock, as one set swapped in atomically, keeping ``keep`` runs of history."""
    return _write_outputs(report, Path(out_dir), keep=keep)


__all__ = [
    "READ_OPTIONS",
    "FeatureSet",
    "NightlyOptions",
    "Report",
    "SegmentOptions",
    "convert",
    "diff",
    "feature_set",
    "fit_clv",
    "fit_retention",
    "icp",
    "init_config",
    "list_plugins",
    "list_segmenters",
    "load",
    "parse_by",
    "read_config",
    "registry_warnings",
    "run_segment",
    "sample",
    "segment",
    "segment_to_dir",
    "validate",
    "write_outputs",
]

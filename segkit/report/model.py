"""The result of a run: the report.json contract (SPEC section 6) plus the per-account tables.

Writers only read this object; what it holds is decided once, here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

SCHEMA_VERSION = "1.0"
DEFAULT_FLOAT_PRECISION = 6


@dataclass
class Report:
    data: dict[str, Any]
    assignments: pd.DataFrame  # account_id plus one label column per segmentation
    rejected: pd.DataFrame  # table, file, line, column, value, reason
    run: dict[str, Any] = field(default_factory=dict)  # timings and versions: run.json only
    # Issue 12, outside report.json (a function of the inputs alone): per-account facts the run
    # history keeps for `segkit diff`, and the changes since the previous run in --out DIR.
    account_facts: pd.DataFrame | None = None
    changes: dict[str, Any] | None = None

    @property
    def segmentations(self) -> dict[str, Any]:
        return self.data["segmentations"]

    def segment_rows(self) -> list[dict[str, Any]]:
        """One flat row per (segmentation, segment), then the overall row: for CSV, JSONL, Parquet."""
        rows = []
        for name in sorted(self.segmentations):
            for seg in self.segmentations[name]["segments"]:
                rows.append({"segmentation": name, **seg})
        rows.append({"segmentation": "overall", "segment": "all accounts", **self.data["overall"]})
        return rows


def clean_json(value: Any, precision: int) -> Any:
    """Round floats to the stated precision and turn NaN/inf and pandas NA into null."""
    if isinstance(value, dict):
        return {str(k): clean_json(v, precision) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v, precision) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        rounded = round(value, precision)
        return 0.0 if rounded == 0 else rounded
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value

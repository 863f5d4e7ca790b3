"""CSV: one row per segment with intervals split into _low/_high; text cells escaped for spreadsheets."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from segkit.report import Report, clean_json
from segkit.writers.base import Writer, register_writer

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def escape_text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix ' to text cells a spreadsheet would run as a formula (OWASP); numbers stay numbers."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_string_dtype(out[col]) or out[col].dtype == object:
            text = out[col]
            mask = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_TRIGGERS))
            out[col] = text.where(~mask, "'" + text.astype("string"))
    return out


def flatten_rows(rows: list[dict[str, Any]], precision: int) -> pd.DataFrame:
    flat = []
    for row in rows:
        item: dict[str, Any] = {}
        for key, value in clean_json(row, precision).items():
            if key.endswith("_ci"):
                base = key[: -len("_ci")]
                item[f"{base}_ci_low"] = value[0] if value else None
                item[f"{base}_ci_high"] = value[1] if value else None
            elif isinstance(value, (list, dict)):
                continue
            else:
                item[key] = value
        flat.append(item)
    frame = pd.DataFrame(flat)
    first = [c for c in ("segmentation", "segment", "accounts") if c in frame]
    return frame[first + sorted(c for c in frame.columns if c not in first)]


def frame_to_csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    escape_text_cells(frame).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


@register_writer
class CsvWriter(Writer):
    format = "csv"
    filename = "segments.csv"

    def render(self, report: Report) -> str:
        precision = report.data.get("parameters", {}).get("float_precision", 6)
        return frame_to_csv(flatten_rows(report.segment_rows(), precision))


def cohorts_csv(report: Report) -> str:
    """cohorts.csv: one row per segmentation, segment, cohort and period (header only without billing)."""
    from segkit.metrics.cohorts import cohorts_frame

    precision = report.data.get("parameters", {}).get("float_precision", 6)
    frame = cohorts_frame(report.data)
    for col in ("starting_mrr", "mrr", "share_of_mrr", "logo_retention", "revenue_retention"):
        frame[col] = frame[col].astype("float64").round(precision)
    return frame_to_csv(frame)

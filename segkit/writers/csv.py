"""CSV: one row per segment with intervals split into _low/_high; text cells escaped for spreadsheets."""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd

from segkit.report import DEFAULT_FLOAT_PRECISION, Report, clean_json
from segkit.writers.base import Writer

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def escape_text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix ' to text cells a spreadsheet would run as a formula (OWASP); numbers stay numbers."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_string_dtype(out[col]) or out[col].dtype == object:
            text = out[col]
            if pd.api.types.is_string_dtype(text.dtype) and text.dtype != object:  # one vectorised pass
                mask = text.str.startswith(FORMULA_TRIGGERS).fillna(False).astype(bool)
                if not mask.any():
                    continue
            else:
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


#: a quoted field, or a run of text outside quotes
_CSV_TOKENS = re.compile(r'"(?:[^"]|"")*"|[^"]+')


def frame_to_csv(frame: pd.DataFrame) -> str:
    """CSV with LF records; a cell containing CR or LF is quoted (``ACC\r=1+1`` stays one cell).

    The csv module quotes only the characters of its line terminator, so the frame is written
    with CRLF (quoting both) and the record ends outside quotes are turned back into LF.
    """
    buffer = io.StringIO()
    escape_text_cells(frame).to_csv(buffer, index=False, lineterminator="\r\n")
    text = buffer.getvalue()
    return _CSV_TOKENS.sub(lambda m: m.group() if m.group().startswith('"') else m.group().replace("\r\n", "\n"), text)


class CsvWriter(Writer):
    format = "csv"
    filename = "segments.csv"
    also_writes = ("assignments.csv", "rejected.csv", "cohorts.csv")

    def render(self, report: Report) -> str:
        return frame_to_csv(flatten_rows(report.segment_rows(), _precision(report)))

    def extra_files(self, report: Report) -> dict[str, bytes]:
        return {
            "assignments.csv": frame_to_csv(report.assignments).encode("utf-8"),
            "rejected.csv": frame_to_csv(report.rejected).encode("utf-8"),
            "cohorts.csv": cohorts_csv(report).encode("utf-8"),
        }


def _precision(report: Report) -> int:
    return int(report.data.get("parameters", {}).get("float_precision", DEFAULT_FLOAT_PRECISION))


COHORT_COLUMNS = [
    "segmentation", "segment", "cohort", "cohort_start", "accounts", "customers", "starting_mrr", "mrr",
    "share_of_mrr", "period", "logo_retention", "revenue_retention",
]


def _cohort_records(segmentation: str, segment: str, section: dict[str, Any]) -> list[dict[str, Any]]:
    """The long rows of one cohorts section (one per cohort and period k)."""
    records = []
    for row in section["rows"]:
        for k, (logo, revenue) in enumerate(zip(row["logo_retention"], row["revenue_retention"], strict=True)):
            records.append({
                "segmentation": segmentation, "segment": segment, "cohort": row["cohort"],
                "cohort_start": row["cohort_start"], "accounts": row["accounts"], "customers": row["customers"],
                "starting_mrr": row["starting_mrr"], "mrr": row["mrr"], "share_of_mrr": row["share_of_mrr"],
                "period": k, "logo_retention": logo, "revenue_retention": revenue,
            })
    return records


def cohorts_frame(report_data: dict[str, Any]) -> pd.DataFrame:
    """cohorts.csv: one row per (segmentation, segment, cohort, period k), long format."""
    records = []
    top = report_data.get("cohorts")
    if top:
        records += _cohort_records("overall", "all accounts", top)
    for name in sorted(report_data.get("segmentations", {})):
        for segment, section in (report_data["segmentations"][name].get("cohorts") or {}).items():
            records += _cohort_records(name, segment, section)
    return pd.DataFrame(records, columns=COHORT_COLUMNS)


def cohorts_csv(report: Report) -> str:
    """cohorts.csv: one row per segmentation, segment, cohort and period (header only without billing)."""
    precision = _precision(report)
    frame = cohorts_frame(report.data)
    for col in ("starting_mrr", "mrr", "share_of_mrr", "logo_retention", "revenue_retention"):
        frame[col] = frame[col].astype("float64").round(precision)
    return frame_to_csv(frame)

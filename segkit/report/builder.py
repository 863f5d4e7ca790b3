"""Assembles report.json's data (SPEC section 6) and the Report from the typed parts."""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.report.model import SCHEMA_VERSION, Report
from segkit.report.parts import MetricRow, ReportParts, SegmentationPart, ReportWarning


def clv_warnings(segmentations: dict[str, SegmentationPart], overall: MetricRow) -> list[ReportWarning]:
    """One warning per segment whose CLV fell back or used the geometric sBG (the reason is in clv_reason)."""
    rows = [("overall", overall)] + [(f"{name}/{seg['segment']}", seg) for name, s in segmentations.items() for seg in s.segments]
    out = []
    for where, row in rows:
        reason = row.get("clv_reason") or ""
        if "fell back" in reason or "geometric" in reason:
            out.append(ReportWarning("clv_fallback", f"{where}: {reason}"))
    return out


def report_data(parts: ReportParts) -> dict[str, Any]:
    """The report.json object: keys and shapes of SPEC section 6."""
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "segkit_version": parts.segkit_version,
        "as_of": parts.period.as_of.date().isoformat(),
        "as_of_source": parts.period.source,
        "period": parts.period.as_dict(),
        "parameters": parts.parameters.as_dict(),
        "inputs": parts.inputs,
        "definitions": parts.definitions,
        "segmentations": {name: s.as_dict() for name, s in parts.segmentations.items()},
        "overall": parts.overall,
        "warnings": [w.as_dict() for w in parts.warnings],
        "checks": list(parts.checks),
    }
    if parts.cohorts is not None:
        data["cohorts"] = parts.cohorts
    if parts.clv_model is not None:
        data["clv_model"] = parts.clv_model.as_dict()
    if parts.survival is not None:
        data["survival"] = parts.survival
    if parts.money is not None:
        data["money"] = parts.money
    return data


def build_report(parts: ReportParts, assignments: pd.DataFrame, rejected: pd.DataFrame, run: dict[str, Any]) -> Report:
    """The Report writers read: the data, assignments sorted by account id, rejected rows, run.json."""
    ordered = assignments.sort_values("account_id", kind="stable").reset_index(drop=True)
    return Report(data=report_data(parts), assignments=ordered, rejected=rejected, run=run)

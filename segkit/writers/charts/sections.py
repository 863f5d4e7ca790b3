"""Which charts each part of the page holds, in order: pure functions of the report dict."""

from __future__ import annotations

from typing import Any

from segkit.writers.charts._base import Chart
from segkit.writers.charts.bridge import bridge_chart
from segkit.writers.charts.cohorts import cohort_charts
from segkit.writers.charts.quality import OUTCOMES, lift_chart
from segkit.writers.charts.segments import bar_chart, clv_chart, interval_chart, retention_chart, sizes_chart


def segmentation_charts(name: str, segmentation: dict[str, Any], overall: dict[str, Any]) -> list[Chart]:
    """Sizes, rates with intervals, MRR, ARPA, NRR/GRR, CLV, then the lift charts."""
    charts = [
        sizes_chart(name, segmentation),
        interval_chart(name, segmentation, overall, "churn_rate", "Churn rate"),
        interval_chart(name, segmentation, overall, "conversion_rate", "Conversion rate"),
        bar_chart(name, segmentation, "mrr", "MRR at as-of"),
        bar_chart(name, segmentation, "arpa", "ARPA (MRR per customer)"),
        retention_chart(name, segmentation),
        clv_chart(name, segmentation, overall),
    ]
    for outcome, title in OUTCOMES:
        chart = lift_chart(name, segmentation, outcome, title)
        if chart is not None:
            charts.append(chart)
    return charts


def bridge_charts(name: str, segmentation: dict[str, Any]) -> list[Chart]:
    """One waterfall per segment, in the report's segment order."""
    return [bridge_chart(name, str(seg["segment"]), seg) for seg in segmentation["segments"]]


def all_cohort_charts(data: dict[str, Any]) -> list[tuple[str, list[Chart]]]:
    """(heading, charts): all accounts first, then each segmentation's per-segment cohorts."""
    groups = []
    if data.get("cohorts") and data["cohorts"].get("rows"):
        groups.append(("All accounts", cohort_charts("cohorts", data["cohorts"])))
    for name in sorted(data.get("segmentations", {})):
        per_segment = data["segmentations"][name].get("cohorts") or {}
        charts = []
        for segment in sorted(per_segment):
            if per_segment[segment].get("rows"):
                charts.extend(cohort_charts(f"{name}:cohorts:{segment}", per_segment[segment], segment))
        if charts:
            groups.append((f"By {name}", charts))
    return groups

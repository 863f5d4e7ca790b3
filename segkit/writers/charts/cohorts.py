"""Cohort retention heatmaps (logo and revenue): one row per cohort, one column per period since
the cohort's own. A cell the cohort has not reached yet is left blank, not drawn as 0."""

from __future__ import annotations

from typing import Any

from segkit.writers.charts._base import Chart, tip, top_level

KINDS = (("logo_retention", "Logo retention"), ("revenue_retention", "Revenue retention"))
ROW_HEIGHT = 12


def heatmap_cells(section: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """(cohort, k, value) for every observed cell; None cells are skipped (not observed)."""
    cells = []
    for row in section["rows"]:
        for k, value in enumerate(row[key]):
            if value is not None:
                cells.append({"cohort": row["cohort"], "k": k, "value": value, "customers": row["customers"]})
    return cells


def heatmap_chart(chart_name: str, title: str, section: dict[str, Any], key: str) -> Chart | None:
    """None when the section has no cohorts."""
    cells = heatmap_cells(section, key)
    if not cells:
        return None
    unit = "months" if section.get("period") == "month" else "quarters"
    cohorts = [row["cohort"] for row in section["rows"]]
    rect = {"mark": {"type": "rect"}, "encoding": {
        "x": {"field": "k", "type": "ordinal", "title": f"{unit} since the cohort's first period",
              "axis": {"labelAngle": 0, "labelOverlap": "greedy"}},
        "y": {"field": "cohort", "type": "ordinal", "sort": cohorts, "title": None, "axis": {"labelOverlap": "greedy"}},
        "color": {"field": "value", "type": "quantitative", "title": None,
                  "scale": {"scheme": "blues", "domain": [0, 1], "clamp": True}, "legend": {"format": ".0%"}},
        "tooltip": [tip("cohort", "ordinal"), tip("k", "ordinal", title=unit), tip("value", fmt=".1%"), tip("customers")]}}
    spec = top_level([rect], max(60, ROW_HEIGHT * len(cohorts)), cells)
    note = "blank: period not reached yet; colour capped at 100% (revenue can exceed it: see the tooltip)"
    return Chart(chart_name, title, spec, note=note)


def cohort_charts(prefix: str, section: dict[str, Any], label: str = "") -> list[Chart]:
    """The logo and revenue heatmaps of one cohorts block (overall, or one segment's)."""
    charts = []
    for key, title in KINDS:
        chart = heatmap_chart(f"{prefix}:{key}", f"{title}{(': ' + label) if label else ''}", section, key)
        if chart is not None:
            charts.append(chart)
    return charts

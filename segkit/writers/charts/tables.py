"""The tables under the charts of report.html that the charts do not carry: revenue retention,
CLV and activation per segment, and the segments' verdicts in words."""

from __future__ import annotations

import html
from typing import Any

from segkit.writers.display import segmentation_quality_lines

e = html.escape


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v * 100:.1f}%"


def _money(v: float | None) -> str:
    return "-" if v is None else f"{v:,.0f}"


def _num(v: float | None, fmt: str = "{:.1f}") -> str:
    return "-" if v is None else fmt.format(v)


def _clv(row: dict[str, Any]) -> str:
    if row.get("clv") is None:
        return "-"
    ci = row.get("clv_ci")
    return _money(row["clv"]) + (f" ({ci[0]:,.0f}-{ci[1]:,.0f})" if ci else "")


VALUE_COLUMNS = (
    ("Starting MRR", lambda r: _money(r.get("starting_mrr"))),
    ("Net MRR churn", lambda r: _pct(r.get("net_mrr_churn_rate"))),
    ("CRR", lambda r: _pct(r.get("customer_retention_rate"))),
    ("Monthly churn", lambda r: _pct(r.get("monthly_churn_rate"))),
    ("CLV (95% CI)", _clv),
    ("Activation", lambda r: _pct(r.get("activation_rate"))),
    ("Days to value", lambda r: _num(r.get("median_days_to_first_value"))),
    ("Engagement", lambda r: _num(r.get("engagement_score"), "{:.0f}")),
    ("NPS", lambda r: "-" if r.get("nps") is None else f"{r['nps']:+.0f}"),
)


def value_table(segments: list[dict[str, Any]], overall: dict[str, Any]) -> str:
    """Retention, CLV with its interval, activation and NPS per segment (suppressed: ``*``)."""
    head = "".join(f"<th>{e(h)}</th>" for h, _ in VALUE_COLUMNS)
    body = []
    for row in [*segments, {"segment": "All accounts", **overall, "_overall": True}]:
        suppressed = bool(row.get("suppressed"))
        cells = ["*" if suppressed else fmt(row) for _, fmt in VALUE_COLUMNS]
        cls = "overall" if row.get("_overall") else ("suppressed" if suppressed else "")
        body.append(f"<tr class='{cls}'><td>{e(str(row['segment']))}</td>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
    return f"<div class='table-box'><table><thead><tr><th>Segment</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"


def verdicts(segmentation: dict[str, Any]) -> str:
    """Do the segments differ (churn, conversion), in words; empty when nothing was tested."""
    lines = segmentation_quality_lines(segmentation)
    if not lines:
        return ""
    return "<ul class='verdicts'>" + "".join(f"<li>{e(line)}</li>" for line in lines) + "</ul>"

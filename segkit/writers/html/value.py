"""The HTML report's value sections: revenue retention, CLV and activation per segment, and the
cohort retention matrices (logo and revenue) with the share of MRR by cohort."""

from __future__ import annotations

import html
from typing import Any

from segkit.report import Report

MAX_COHORT_COLUMNS = 25  # k = 0..24 months shown; report.json and cohorts.csv have them all


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v * 100:.1f}%"


def _money(v: float | None) -> str:
    return "-" if v is None else f"{v:,.0f}"


def _clv(row: dict[str, Any]) -> str:
    if row.get("clv") is None:
        return "-"
    ci = row.get("clv_ci")
    return _money(row["clv"]) + (f" ({ci[0]:,.0f}-{ci[1]:,.0f})" if ci else "")


def _num(v: float | None, fmt: str = "{:.1f}") -> str:
    return "-" if v is None else fmt.format(v)


VALUE_COLUMNS = [
    ("Starting MRR", lambda r: _money(r.get("starting_mrr"))),
    ("New", lambda r: _money(r.get("new_mrr"))),
    ("Expansion", lambda r: _money(r.get("expansion_mrr"))),
    ("Contraction", lambda r: _money(r.get("contraction_mrr"))),
    ("Churned", lambda r: _money(r.get("churned_mrr"))),
    ("Reactivation", lambda r: _money(r.get("reactivation_mrr"))),
    ("NRR", lambda r: _pct(r.get("nrr"))),
    ("GRR", lambda r: _pct(r.get("grr"))),
    ("Net MRR churn", lambda r: _pct(r.get("net_mrr_churn_rate"))),
    ("CRR", lambda r: _pct(r.get("customer_retention_rate"))),
    ("CLV (95% CI)", _clv),
    ("CLV method", lambda r: r.get("clv_method") or "-"),
    ("Activation", lambda r: _pct(r.get("activation_rate"))),
    ("Days to value", lambda r: _num(r.get("median_days_to_first_value"))),
    ("Engagement", lambda r: _num(r.get("engagement_score"), "{:.0f}")),
]


def value_table(report: Report, name: str) -> str:
    e = html.escape
    rows = list(report.segmentations[name]["segments"]) + [{"segment": "All accounts", **report.data["overall"]}]
    parts = ["<h3>Revenue retention, CLV and activation</h3><table><thead><tr><th>Segment</th>"]
    parts.extend(f"<th>{e(h)}</th>" for h, _ in VALUE_COLUMNS)
    parts.append("</tr></thead><tbody>")
    for index, row in enumerate(rows):
        cls = "overall" if index == len(rows) - 1 else ("suppressed" if row.get("suppressed") else "")
        cells = ["*"] * len(VALUE_COLUMNS) if row.get("suppressed") else [fmt(row) for _, fmt in VALUE_COLUMNS]
        parts.append(f"<tr class='{cls}'><td>{e(str(row['segment']))}</td>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def cohort_section(section: dict[str, Any], title: str) -> str:
    e = html.escape
    unit = "months" if section["period"] == "month" else "quarters"
    rows = section["rows"]
    if not rows:
        return ""
    width = min(MAX_COHORT_COLUMNS, max(len(r["logo_retention"]) for r in rows))
    parts = [f"<h2>{e(title)}</h2><p class='caption'>cohort = {e(section['start'].replace('_', ' '))} {e(section['period'])}; "
             f"columns: {unit} since the cohort's own (read at each period's end); share of MRR at as-of</p>"]
    for key, label in (("logo_retention", "Logo retention"), ("revenue_retention", "Revenue retention")):
        parts.append(f"<h3>{label}</h3><table><thead><tr><th>Cohort</th><th>Customers</th><th>Share of MRR</th>")
        parts.extend(f"<th>{k}</th>" for k in range(width))
        parts.append("</tr></thead><tbody>")
        for row in rows:
            values = row[key][:width]
            cells = [_pct(v) for v in values] + [""] * (width - len(values))
            parts.append(f"<tr><td>{e(row['cohort'])}</td><td>{row['customers']:,}</td><td>{_pct(row['share_of_mrr'])}</td>"
                         + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        parts.append("</tbody></table>")
    return "".join(parts)

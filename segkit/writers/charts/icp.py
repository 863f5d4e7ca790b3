"""The ideal customer profile as a lift chart (``segkit icp --format html``): each over-indexed
attribute value's share among ICP accounts over its share among all accounts, drawn from 1 and
coloured by significance (Benjamini-Hochberg q < 0.05, the result's own verdict)."""

from __future__ import annotations

import html
from typing import Any

from segkit.writers.charts._base import ACCENT, LABEL_LIMIT, MUTED, Chart, bar_height, rule_at, tip, top_level
from segkit.writers.charts.quality import q_label

e = html.escape


def icp_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [{
        "item": f"{row['attribute']}: {row['value']}", "attribute": row["attribute"], "value": row["value"],
        "lift": row["lift"], "one": 1.0, "icp_share": row["icp_share"], "all_share": row["all_share"],
        "icp_accounts": row["icp_accounts"], "all_accounts": row["all_accounts"], "q": row.get("q_value"),
        "q_label": q_label(row.get("q_value")), "verdict": "significant" if row.get("significant") else "not significant",
    } for row in result.get("over_indexed", []) if row.get("lift") is not None]


def icp_lift_chart(result: dict[str, Any]) -> Chart:
    """Lift per over-indexed value, largest first; a note when no value over-indexes."""
    rows = icp_rows(result)
    title = f"ICP lift: {result.get('icp_accounts', 0):,} ICP accounts of {result.get('all_accounts', 0):,} (1 = all accounts)"
    if not rows:
        return Chart("icp:lift", title, {}, note="n/a: no attribute value over-indexes among the ICP accounts")
    y = {"field": "item", "type": "nominal", "sort": None, "title": None, "axis": {"labelLimit": LABEL_LIMIT + 60}}
    bars = {"mark": {"type": "bar"}, "encoding": {
        "x": {"field": "lift", "type": "quantitative", "title": "share among ICP accounts / share among all",
              "scale": {"domainMax": round(max(r["lift"] for r in rows) * 1.15, 3)}},  # room for the q label
        "x2": {"field": "one"}, "y": y,
        "color": {"field": "verdict", "type": "nominal", "legend": {"title": None, "orient": "bottom"},
                  "scale": {"domain": ["significant", "not significant"], "range": [ACCENT, MUTED]}},
        "tooltip": [tip("attribute", "nominal"), tip("value", "nominal"), tip("lift", fmt=".2f"),
                    tip("icp_share", fmt=".0%", title="ICP share"), tip("all_share", fmt=".0%", title="all share"),
                    tip("icp_accounts", title="ICP accounts"), tip("all_accounts", title="all accounts"),
                    tip("q", fmt=".3g", title="q (BH)")]}}
    labels = {"mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 10},
              "encoding": {"x": {"field": "lift", "type": "quantitative"}, "y": y, "text": {"field": "q_label", "type": "nominal"}}}
    spec = top_level([bars, labels, rule_at(1.0, dashed=False)], bar_height(len(rows)) + 20, rows)
    return Chart("icp:lift", title, spec, note="bars labelled with BH q; significant: q < 0.05")


def icp_table(result: dict[str, Any]) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("Attribute", "Value", "ICP", "ICP share", "All", "All share", "Lift", "q"))
    body = "".join(
        f"<tr><td>{e(str(r['attribute']))}</td><td>{e(str(r['value']))}</td><td>{r['icp_accounts']:,}</td>"
        f"<td>{r['icp_share']:.0%}</td><td>{r['all_accounts']:,}</td><td>{r['all_share']:.0%}</td>"
        f"<td>{r['lift']:.2f}</td><td>{r['q_value']:.3f}{' *' if r.get('significant') else ''}</td></tr>"
        for r in result.get("over_indexed", []) if r.get("lift") is not None)
    return f"<div class='table-box'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"

"""render_report_page: the whole self-contained report.html (charts first, tables second)
from the report.json dict. Nothing is loaded from a URL: the chart runtime is inlined."""

from __future__ import annotations

import html
from typing import Any

from segkit.writers.charts._base import Chart
from segkit.writers.charts.runtime import EMBED_SCRIPT, runtime_versions, script_json, vega_runtime
from segkit.writers.charts.sections import all_cohort_charts, bridge_charts, segmentation_charts
from segkit.writers.charts.survival import survival_charts
from segkit.writers.charts.tables import value_table, verdicts
from segkit.writers.display import money_text

STYLE = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:72rem;color:#1f2328;padding:1rem;line-height:1.4}
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
nav{font-size:.9rem;display:flex;flex-wrap:wrap;gap:.2rem 1rem}nav a{white-space:nowrap}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));gap:.6rem}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.5rem .7rem}
.card .label{color:#57606a;font-size:.8rem}.card .value{font-size:1.25rem;font-weight:600;font-variant-numeric:tabular-nums}
.card .sub{color:#57606a;font-size:.75rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,26rem),1fr));gap:1rem}
.grid.small{grid-template-columns:repeat(auto-fill,minmax(min(100%,17rem),1fr))}
figure.chart{margin:0;min-width:0;border:1px solid #eaeef2;border-radius:6px;padding:.5rem}
figure.chart h4{margin:0 0 .3rem;font-size:.9rem}
figure.chart .vis{width:100%;min-width:0}
.vega-embed{width:100%;display:block}
figcaption,.caption{color:#57606a;font-size:.8rem}
.note-only p{color:#57606a;font-style:italic}
.table-box{overflow-x:auto;max-width:100%;border:1px solid #eaeef2;border-radius:6px}
table{border-collapse:collapse;font-size:.85rem;width:100%}
th,td{padding:.25rem .6rem;border-bottom:1px solid #d0d7de;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;white-space:normal;min-width:8rem}
th{background:#f6f8fa}tr.suppressed td{color:#8c959f}tr.overall td{font-weight:600;border-top:2px solid #8c959f}
.warnings li,.verdicts li{margin:.2rem 0}.verdicts{font-size:.9rem}
dl{font-size:.85rem}dt{font-weight:600;margin-top:.4rem}dd{margin-left:1rem;color:#57606a;overflow-wrap:anywhere}
@media print{body{max-width:none;padding:0}nav{display:none}figure.chart,.card,table{break-inside:avoid}
h2{break-after:avoid}.table-box{overflow:visible;border:0}table{font-size:.68rem;table-layout:fixed}
th,td{white-space:normal;padding:.15rem .25rem;overflow-wrap:anywhere}th:first-child,td:first-child{min-width:0;width:16%}}
"""

e = html.escape


def _pct(v: Any) -> str:
    return "-" if v is None else f"{v * 100:.1f}%"


def _money(v: Any) -> str:
    return "-" if v is None else f"{v:,.0f}"


def _ci(row: dict[str, Any], key: str, pct: bool = True) -> str:
    ci = row.get(f"{key}_ci")
    if not ci:
        return ""
    return f"95% CI {ci[0] * 100:.1f}-{ci[1] * 100:.1f}%" if pct else f"95% CI {ci[0]:,.0f}-{ci[1]:,.0f}"


def headline_cards(overall: dict[str, Any]) -> str:
    """The overview's figures for all accounts."""
    cards = [
        ("Accounts", f"{overall.get('accounts') or 0:,}", ""),
        ("Customers", "-" if overall.get("customers") is None else f"{overall['customers']:,}", "paying at as-of"),
        ("MRR", _money(overall.get("mrr")), ""),
        ("ARPA", _money(overall.get("arpa")), "MRR per customer"),
        ("Churn rate", _pct(overall.get("churn_rate")), _ci(overall, "churn_rate")),
        ("Conversion", _pct(overall.get("conversion_rate")), _ci(overall, "conversion_rate")),
        ("NRR", _pct(overall.get("nrr")), ""), ("GRR", _pct(overall.get("grr")), ""),
        ("CLV", _money(overall.get("clv")), _ci(overall, "clv", pct=False) or str(overall.get("clv_reason") or "")),
    ]
    if overall.get("nps") is not None:
        cards.append(("NPS", f"{overall['nps']:+.0f}", f"{overall.get('nps_responses') or 0:,} responses"))
    return "<div class='cards'>" + "".join(
        f"<div class='card'><div class='label'>{e(label)}</div><div class='value'>{e(value)}</div>"
        f"<div class='sub'>{e(sub)}</div></div>" for label, value, sub in cards) + "</div>"


def figure(chart: Chart, chart_id: str) -> str:
    """A chart's figure; a chart without a spec (a suppressed segment) is a labelled note."""
    note = f"<figcaption>{e(chart.note)}</figcaption>" if chart.note and chart.spec else ""
    if not chart.spec:
        return (f"<figure class='chart note-only' data-chart='{e(chart.name)}'><h4>{e(chart.title)}</h4>"
                f"<p>{e(chart.note)}</p></figure>")
    return (f"<figure class='chart' data-chart='{e(chart.name)}'><h4>{e(chart.title)}</h4>"
            f"<div class='vis' id='{chart_id}'></div>{note}</figure>")


TABLE_COLUMNS = (
    ("Accounts", lambda r: f"{r['accounts']:,}" if r.get("accounts") is not None else "-"),
    ("Customers", lambda r: "-" if r.get("customers") is None else f"{r['customers']:,}"),
    ("Conversion", lambda r: _pct(r.get("conversion_rate"))), ("Churn", lambda r: _pct(r.get("churn_rate"))),
    ("MRR", lambda r: _money(r.get("mrr"))), ("ARPA", lambda r: _money(r.get("arpa"))),
    ("NRR", lambda r: _pct(r.get("nrr"))), ("GRR", lambda r: _pct(r.get("grr"))),
    ("CLV", lambda r: _money(r.get("clv"))), ("CLV method", lambda r: str(r.get("clv_method") or "-")),
)


def figures_table(segments: list[dict[str, Any]], overall: dict[str, Any]) -> str:
    """The figures behind the charts, in a box that scrolls on its own when narrow."""
    head = "".join(f"<th>{e(h)}</th>" for h, _ in TABLE_COLUMNS)
    body = []
    for row in [*segments, {"segment": "All accounts", **overall, "_overall": True}]:
        suppressed = bool(row.get("suppressed"))
        cells = [TABLE_COLUMNS[0][1](row)] + [("*" if suppressed else fmt(row)) for _, fmt in TABLE_COLUMNS[1:]]
        cls = "overall" if row.get("_overall") else ("suppressed" if suppressed else "")
        body.append(f"<tr class='{cls}'><td>{e(str(row['segment']))}</td>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
    return f"<div class='table-box'><table><thead><tr><th>Segment</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"


class _Charts:
    """Collects the specs as figures are placed, so ids follow page order (deterministic)."""

    def __init__(self) -> None:
        self.specs: dict[str, dict[str, Any]] = {}

    def place(self, charts: list[Chart], grid: str = "grid") -> str:
        parts = []
        for chart in charts:
            chart_id = f"chart-{len(self.specs) + 1}"
            if chart.spec:
                self.specs[chart_id] = chart.spec
            parts.append(figure(chart, chart_id))
        return f"<div class='{grid}'>" + "".join(parts) + "</div>"


def _overview(data: dict[str, Any]) -> str:
    parts = [f"<section id='overview'><h2>Overview</h2>{headline_cards(data.get('overall', {}))}"]
    period = data.get("period") or {}
    params = data.get("parameters") or {}
    if period:
        parts.append(f"<p class='caption'>period {e(str(period.get('start')))} to {e(str(period.get('end')))}; "
                     f"CLV method {e(str(params.get('clv_method', '-')))}; segments with fewer than "
                     f"{e(str(params.get('min_segment_size', '-')))} accounts are suppressed</p>")
    parts.extend(f"<p class='caption'>{e(line)}</p>" for line in money_text(data))
    warnings = data.get("warnings") or []
    parts.append("<h3>Warnings</h3>")
    if warnings:
        parts.append("<ul class='warnings'>" + "".join(
            f"<li><b>{e(str(w.get('code')))}</b>: {e(str(w.get('message')))}</li>" for w in warnings) + "</ul>")
    else:
        parts.append("<p class='caption'>none</p>")
    return "".join(parts) + "</section>"


def _segmentation(name: str, segmentation: dict[str, Any], overall: dict[str, Any], charts: _Charts) -> str:
    anchor = "seg-" + "".join(c if c.isalnum() else "-" for c in name)
    return (f"<section id='{e(anchor)}'><h2>By {e(name)}</h2>"
            + charts.place(segmentation_charts(name, segmentation, overall)) + verdicts(segmentation)
            + "<h3>MRR bridge per segment</h3>" + charts.place(bridge_charts(name, segmentation), "grid small")
            + "<h3>Figures</h3>" + figures_table(segmentation["segments"], overall)
            + "<h3>Retention, CLV and activation</h3>" + value_table(segmentation["segments"], overall) + "</section>")


def _cohorts(data: dict[str, Any], charts: _Charts) -> str:
    groups = all_cohort_charts(data)
    if not groups:
        return ""
    section = data.get("cohorts") or {}
    intro = (f"<p class='caption'>cohort = {e(str(section.get('start', 'first payment')).replace('_', ' '))} "
             f"{e(str(section.get('period', 'month')))}; a cell is the share still paying (logo) or the MRR kept "
             f"(revenue) that many periods after the cohort's own</p>")
    return ("<section id='cohorts'><h2>Cohort retention</h2>" + intro
            + "".join(f"<h3>{e(heading)}</h3>" + charts.place(group) for heading, group in groups) + "</section>")


def _survival(data: dict[str, Any], charts: _Charts) -> str:
    found = survival_charts(data)
    if not found:
        return ""
    return "<section id='survival'><h2>Survival</h2>" + charts.place(found) + "</section>"


def _inputs_and_definitions(data: dict[str, Any]) -> str:
    parts = ["<section id='definitions'>"]
    inputs = data.get("inputs") or {}
    if inputs:
        parts.append("<h2>Inputs</h2><div class='table-box'><table><thead><tr><th>Table</th><th>Rows read</th>"
                     "<th>Used</th><th>Rejected</th><th>Files</th></tr></thead><tbody>")
        for table, info in sorted(inputs.items()):
            parts.append(f"<tr><td>{e(table)}</td><td>{info.get('rows_read', 0):,}</td><td>{info.get('rows_used', 0):,}</td>"
                         f"<td>{info.get('rows_rejected', 0):,}</td><td style='white-space:normal'>{e(', '.join(info.get('files', [])))}</td></tr>")
        parts.append("</tbody></table></div>")
    parts.append("<h2>Definitions</h2><dl>")
    for metric, formula in sorted((data.get("definitions") or {}).items()):
        parts.append(f"<dt>{e(metric)}</dt><dd>{e(str(formula))}</dd>")
    return "".join(parts) + "</dl></section>"


def render_report_page(data: dict[str, Any]) -> str:
    """The self-contained report.html for a report.json dict."""
    charts = _Charts()
    segmentations = data.get("segmentations") or {}
    overall = data.get("overall") or {}
    body = [_overview(data)]
    body.extend(_segmentation(name, segmentations[name], overall, charts) for name in segmentations)
    body.append(_cohorts(data, charts))
    body.append(_survival(data, charts))
    body.append(_inputs_and_definitions(data))
    nav = ["<a href='#overview'>Overview</a>"] + [
        f"<a href='#seg-{e(''.join(c if c.isalnum() else '-' for c in n))}'>By {e(n)}</a>" for n in segmentations]
    if data.get("cohorts") or any(s.get("cohorts") for s in segmentations.values()):
        nav.append("<a href='#cohorts'>Cohorts</a>")
    if data.get("survival"):
        nav.append("<a href='#survival'>Survival</a>")
    nav.append("<a href='#definitions'>Definitions</a>")
    versions = ", ".join(f"{k} {v}" for k, v in runtime_versions().items())
    as_of = e(str(data.get("as_of", "")))
    return "".join([
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>segkit report, as of {as_of}</title><style>{STYLE}</style></head><body>",
        f"<h1>Customer segments as of {as_of}</h1><nav>{''.join(nav)}</nav>",
        *body,
        f"<p class='caption'>segkit {e(str(data.get('segkit_version', '')))}; charts: {e(versions)} (inlined)</p>",
        f"<script>{vega_runtime()}</script>",
        f"<script type='application/json' id='segkit-chart-specs'>{script_json(charts.specs)}</script>",
        f"<script>{EMBED_SCRIPT}</script></body></html>\n",
    ])

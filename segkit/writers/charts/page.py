"""render_report_page: the whole self-contained report.html (charts first, tables second)
from the report.json dict. Nothing is loaded from a URL: the chart runtime is inlined."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from segkit.writers.charts._base import Chart
from segkit.writers.charts.runtime import EMBED_SCRIPT, runtime_versions, script_json, vega_runtime
from segkit.writers.charts.sections import all_cohort_charts, bridge_charts, segmentation_charts
from segkit.writers.charts.icp import icp_lift_chart, icp_table
from segkit.writers.charts.overview import overview_html
from segkit.writers.charts.support import support_charts
from segkit.writers.charts.survival import survival_charts
from segkit.writers.charts.transitions import transitions_chart
from segkit.writers.changes import segmentation_lines
from segkit.writers.charts.tables import value_table, verdicts

STYLE = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:72rem;color:#1f2328;padding:1rem;line-height:1.4}
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
nav{font-size:.9rem;display:flex;flex-wrap:wrap;gap:.2rem 1rem}nav a{white-space:nowrap}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));gap:.6rem}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.5rem .7rem}
.card .label{color:#57606a;font-size:.8rem}.card .value{font-size:1.25rem;font-weight:600;font-variant-numeric:tabular-nums}
.card .sub{color:#57606a;font-size:.75rem}
.card .delta{font-size:.8rem;font-variant-numeric:tabular-nums}.delta.up{color:#1a7f37}.delta.down{color:#cf222e}.delta.flat{color:#57606a}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,26rem),1fr));gap:1rem}
.grid.one{grid-template-columns:1fr}
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
.warnings li,.verdicts li,.checks li,.changes li{margin:.2rem 0}.changes{font-size:.85rem}.verdicts{font-size:.9rem}
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


def _changes(name: str, segmentation: dict[str, Any], changes: dict[str, Any] | None, charts: _Charts) -> str:
    """Transitions since the last run (a heat map) and the changes block's lines under it."""
    order = [str(s["segment"]) for s in segmentation["segments"]]
    chart = transitions_chart(name, changes, order)
    if chart is None or changes is None:
        return ""
    lines = segmentation_lines(changes, name)[2:]  # the heading and the count are the chart's title and note
    items = "".join(f"<li>{e(line.strip())}</li>" for line in lines)
    return ("<h3>Changes since the last run</h3>" + charts.place([chart])
            + (f"<ul class='changes'>{items}</ul>" if items else ""))


def _support(name: str, segmentation: dict[str, Any], overall: dict[str, Any], charts: _Charts) -> str:
    found = support_charts(name, segmentation, overall)
    return "<h3>Support and churn reasons</h3>" + charts.place(found) if found else ""


def _segmentation(name: str, segmentation: dict[str, Any], overall: dict[str, Any], changes: dict[str, Any] | None,
                  charts: _Charts) -> str:
    anchor = "seg-" + "".join(c if c.isalnum() else "-" for c in name)
    return (f"<section id='{e(anchor)}'><h2>By {e(name)}</h2>"
            + charts.place(segmentation_charts(name, segmentation, overall)) + verdicts(segmentation)
            + _changes(name, segmentation, changes, charts)
            + "<h3>MRR bridge per segment</h3>" + charts.place(bridge_charts(name, segmentation), "grid small")
            + _support(name, segmentation, overall, charts)
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


def render_report_page(data: dict[str, Any], changes: dict[str, Any] | None = None) -> str:
    """The self-contained report.html for a report.json dict, and the changes since the last run
    in --out DIR when there was one (changes.json; docs/nightly.md)."""
    charts = _Charts()
    segmentations = data.get("segmentations") or {}
    overall = data.get("overall") or {}
    body = [overview_html(data, changes)]
    body.extend(_segmentation(name, segmentations[name], overall, changes, charts) for name in segmentations)
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
    as_of = e(str(data.get("as_of", "")))
    return chart_page(f"segkit report, as of {as_of}", f"Customer segments as of {as_of}", "".join(nav), "".join(body),
                      charts, str(data.get("segkit_version", "")))


def chart_page(title: str, heading: str, nav: str, body: str, charts: _Charts, version: str) -> str:
    """The page around a body of figures (title and heading already HTML): style, runtime, specs."""
    versions = ", ".join(f"{k} {v}" for k, v in runtime_versions().items())
    return "".join([
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{title}</title><style>{STYLE}</style></head><body>",
        f"<h1>{heading}</h1><nav>{nav}</nav>", body,
        f"<p class='caption'>segkit {e(version)}; charts: {e(versions)} (inlined)</p>",
        f"<script>{vega_runtime()}</script>",
        f"<script type='application/json' id='segkit-chart-specs'>{script_json(charts.specs)}</script>",
        f"<script>{EMBED_SCRIPT}</script></body></html>\n",
    ])


def _icp_as_of(moment: str) -> str:
    """The as-of day of the result's end of day (midnight after as-of)."""
    try:
        return (dt.datetime.fromisoformat(moment) - dt.timedelta(microseconds=1)).date().isoformat()
    except ValueError:
        return moment


def render_icp_page(result: dict[str, Any], version: str = "") -> str:
    """``segkit icp --format html``: the ICP lift chart, the values behind it and the definition."""
    charts = _Charts()
    as_of = e(_icp_as_of(str(result.get("as_of", ""))))
    body = (f"<section id='icp'><h2>Over-indexed attribute values</h2>{charts.place([icp_lift_chart(result)], 'grid one')}"
            f"<h3>Values</h3>{icp_table(result)}<h2>Definition</h2><p class='caption'>{e(str(result.get('definition', '')))}; "
            f"{result.get('values_tested', 0):,} values tested; * = q &lt; 0.05</p></section>")
    return chart_page(f"segkit ideal customer profile, as of {as_of}", f"Ideal customer profile as of {as_of}", "", body,
                      charts, version)

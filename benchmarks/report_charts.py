"""Chart library choice for report.html (issue 13), measured: the Vega-Lite page that segkit
writes (segkit.writers.charts, runtime inlined) against the same charts drawn with plotly
(plotly.min.js inlined), for a golden sample report. Prints HTML size and the time headless
Chromium takes from navigation start until every chart is drawn (median of --repeats).

    .venv/bin/pip install plotly websocket-client
    .venv/bin/python benchmarks/report_charts.py --sample samples-demo --repeats 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from segkit.writers.charts import render_report_page  # noqa: E402
from segkit.writers.charts.bridge import bridge_steps  # noqa: E402
from tests.writers.browser import Browser  # noqa: E402

DONE_OBSERVER = """new MutationObserver(function (_, obs) {
  if (document.body && document.body.getAttribute('data-charts') === 'done') { window.__done = performance.now(); obs.disconnect(); }
}).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-charts']});"""


def _bar(segments: list[dict[str, Any]], key: str) -> dict[str, Any]:
    rows = [s for s in segments if not s.get("suppressed") and s.get(key) is not None]
    return {"type": "bar", "orientation": "h", "y": [s["segment"] for s in rows], "x": [s[key] for s in rows]}


def _interval(segments: list[dict[str, Any]], key: str) -> dict[str, Any]:
    rows = [s for s in segments if not s.get("suppressed") and s.get(key) is not None]
    return {"type": "scatter", "mode": "markers", "y": [s["segment"] for s in rows], "x": [s[key] for s in rows],
            "error_x": {"type": "data", "symmetric": False,
                        "array": [(s[f"{key}_ci"] or [0, s[key]])[1] - s[key] for s in rows],
                        "arrayminus": [s[key] - (s[f"{key}_ci"] or [s[key], 0])[0] for s in rows]}}


def plotly_figures(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The same chart set as the Vega-Lite page: per segmentation 9 charts and a waterfall per
    segment, then the two overall cohort heatmaps."""
    figures = []
    for name, seg in data["segmentations"].items():
        s = seg["segments"]
        figures += [[_bar(s, "accounts")], [_interval(s, "churn_rate")], [_interval(s, "conversion_rate")],
                    [_bar(s, "mrr")], [_bar(s, "arpa")], [_bar(s, "nrr"), _bar(s, "grr")], [_interval(s, "clv")]]
        for outcome in ("churn", "conversion"):
            test = seg["quality"]["tests"].get(outcome, {})
            rows = [r for r in test.get("segments", []) if not r.get("suppressed") and r.get("lift") is not None]
            figures.append([{"type": "bar", "orientation": "h", "y": [r["segment"] for r in rows],
                             "x": [r["lift"] - 1 for r in rows], "base": 1}])
        for row in s:
            steps = bridge_steps(row)
            if steps:
                figures.append([{"type": "waterfall", "x": [x["step"] for x in steps],
                                 "measure": ["absolute"] + ["relative"] * 5 + ["total"],
                                 "y": [x["amount"] for x in steps[:-1]] + [0]}])
    for key in ("logo_retention", "revenue_retention"):
        rows = data["cohorts"]["rows"]
        figures.append([{"type": "heatmap", "y": [r["cohort"] for r in rows], "z": [r[key] for r in rows],
                         "colorscale": "Blues", "zmin": 0, "zmax": 1}])
    return [{"data": traces, "layout": {"height": 260, "margin": {"l": 120, "r": 10, "t": 10, "b": 40}}} for traces in figures]


def plotly_page(data: dict[str, Any]) -> str:
    import plotly.offline

    figures = plotly_figures(data)
    divs = "".join(f"<div class='chart' id='p{i}'></div>" for i in range(len(figures)))
    payload = json.dumps(figures).replace("<", "\\u003c")
    return ("<!doctype html><html><head><meta charset='utf-8'><style>body{max-width:72rem;margin:auto}"
            ".chart{width:100%}</style></head><body>" + divs
            + f"<script>{plotly.offline.get_plotlyjs()}</script><script>var F={payload};"
            "Promise.all(F.map(function(f,i){return Plotly.newPlot('p'+i,f.data,f.layout,{responsive:true,displayModeBar:false});}))"
            ".then(function(){document.body.setAttribute('data-charts','done');});</script></body></html>\n")


def render_ms(browser: Browser, page: Path) -> float:
    browser.open(page, ready="window.__done !== undefined", wait=60)
    return float(browser.evaluate("window.__done"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", default="samples-demo")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    data = json.loads((REPO / "tests" / "golden" / f"{args.sample}.json").read_text())
    pages = {"vega-lite": render_report_page(data), "plotly": plotly_page(data)}
    with tempfile.TemporaryDirectory() as tmp, Browser(width=1024, height=800, timeout=60) as browser:
        browser.call("Page.addScriptToEvaluateOnNewDocument", session=True, source=DONE_OBSERVER)
        paths = {}
        for library, html in pages.items():
            paths[library] = Path(tmp) / f"{library}.html"
            paths[library].write_text(html, encoding="utf-8")
        times: dict[str, list[float]] = {library: [] for library in pages}
        for _ in range(args.repeats):  # interleaved, so load on the machine hits both alike
            for library in pages:
                times[library].append(render_ms(browser, paths[library]))
        for library, html in pages.items():
            charts = html.count("data-chart=") if library == "vega-lite" else html.count("class='chart'")
            t = times[library]
            print(f"{library:10} {len(html.encode()) / 1e6:6.2f} MB  {charts:3} charts  render "
                  f"median {statistics.median(t):6.0f} ms (min {min(t):.0f}, max {max(t):.0f}; {args.repeats} loads)")
        if browser.log.errors:
            print(f"console errors: {browser.log.errors[:3]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""report.html: a self-contained page a person opens in a browser (no scripts, no network)."""

from __future__ import annotations

import html

from segkit.report import Report
from segkit.writers.base import Writer
from segkit.writers.changes import changes_html
from segkit.writers.display import caption, check_lines, columns_for, display_rows, quality_lines
from segkit.writers.html.value import cohort_section, value_table

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:72rem;color:#1f2328;padding:0 1rem}
table{border-collapse:collapse;margin:0.5rem 0 0.25rem;font-size:0.9rem}
th,td{padding:0.3rem 0.7rem;border-bottom:1px solid #d0d7de}
th{background:#f6f8fa;text-align:right}th:first-child,td:first-child{text-align:left}
td{text-align:right;font-variant-numeric:tabular-nums}tr.suppressed td{color:#8c959f}
tr.overall td{font-weight:600;border-top:2px solid #8c959f}
.caption{color:#57606a;font-size:0.85rem;margin-bottom:2rem}
dl{font-size:0.85rem}dt{font-weight:600;margin-top:0.4rem}dd{margin-left:1rem;color:#57606a}
"""


class HtmlWriter(Writer):
    format = "html"
    filename = "report.html"

    def render(self, report: Report) -> str:
        e = html.escape
        data = report.data
        parts = [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>segkit report, as of {e(data['as_of'])}</title><style>{STYLE}</style></head><body>",
            f"<h1>Customer segments as of {e(data['as_of'])}</h1>",
        ]
        headers = ["Segment"] + [h for h, _, _ in columns_for(report, wide=True)]
        for name in report.segmentations:
            parts.append(f"<h2>By {e(name)}</h2><table><thead><tr>")
            parts.extend(f"<th>{e(h)}</th>" for h in headers)
            parts.append("</tr></thead><tbody>")
            rows = display_rows(report, name, wide=True)
            for index, (segment, cells, suppressed) in enumerate(rows):
                cls = "overall" if index == len(rows) - 1 else ("suppressed" if suppressed else "")
                parts.append(f"<tr class='{cls}'>" + "".join(f"<td>{e(c)}</td>" for c in [segment, *cells]) + "</tr>")
            parts.append(f"</tbody></table><div class='caption'>{e(caption(report))}")
            parts.extend(f"<br>{e(line)}" for line in quality_lines(report, name))
            parts.append("</div>")
            if report.changes is not None:
                parts.append(changes_html(report.changes, name))
            parts.append(value_table(report, name))
        if data.get("cohorts"):
            parts.append(cohort_section(data["cohorts"], "Cohorts"))
        if check_lines(report):
            parts.append("<h2>Checks</h2><ul>")
            parts.extend(f"<li>{e(line)}</li>" for line in check_lines(report))
            parts.append("</ul>")
        if data.get("warnings"):
            parts.append("<h2>Warnings</h2><ul>")
            parts.extend(f"<li><b>{e(w['code'])}</b>: {e(w['message'])}</li>" for w in data["warnings"])
            parts.append("</ul>")
        parts.append("<h2>Inputs</h2><table><thead><tr><th>Table</th><th>Rows read</th><th>Used</th><th>Rejected</th><th>Files</th></tr></thead><tbody>")
        for table, info in sorted(data["inputs"].items()):
            parts.append(
                f"<tr><td>{e(table)}</td><td>{info['rows_read']:,}</td><td>{info['rows_used']:,}</td>"
                f"<td>{info['rows_rejected']:,}</td><td>{e(', '.join(info['files']))}</td></tr>"
            )
        parts.append("</tbody></table><h2>Definitions</h2><dl>")
        for metric, formula in sorted(data["definitions"].items()):
            parts.append(f"<dt>{e(metric)}</dt><dd>{e(formula)}</dd>")
        parts.append(f"</dl><p class='caption'>segkit {e(data['segkit_version'])}</p></body></html>\n")
        return "".join(parts)

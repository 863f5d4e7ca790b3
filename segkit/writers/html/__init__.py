"""report.html: one self-contained page a person opens in a browser, charts first and tables
second (``segkit.writers.charts.render_report_page``; the chart runtime is inlined, nothing is
loaded from the network)."""

from __future__ import annotations

from segkit.report import DEFAULT_FLOAT_PRECISION, Report, clean_json
from segkit.writers.base import Writer
from segkit.writers.charts import render_report_page


class HtmlWriter(Writer):
    format = "html"
    filename = "report.html"

    def render(self, report: Report) -> str:
        precision = report.data.get("parameters", {}).get("float_precision", DEFAULT_FLOAT_PRECISION)
        return render_report_page(clean_json(report.data, precision), changes=report.changes)

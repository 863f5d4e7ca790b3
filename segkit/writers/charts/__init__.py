"""Charts for report.html: pure functions from the report.json dict to Vega-Lite specs (plain
dicts), and the page that embeds them with the Vega runtime inlined (no network).

Vega-Lite was chosen over plotly by measurement on the sample report (see the commit message
and benchmarks/report_charts.py): a smaller file and a faster render in headless Chromium.
"""

from segkit.writers.charts._base import Chart
from segkit.writers.charts.page import render_icp_page, render_report_page
from segkit.writers.charts.sections import all_cohort_charts, bridge_charts, segmentation_charts

__all__ = ["Chart", "all_cohort_charts", "bridge_charts", "render_icp_page", "render_report_page", "segmentation_charts"]

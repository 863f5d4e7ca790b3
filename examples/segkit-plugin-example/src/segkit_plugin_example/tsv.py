"""An example writer plugin: the segment rows as tab-separated values (``--format tsv``)."""

from __future__ import annotations

from segkit.report import Report
from segkit.writers import Writer

COLUMNS = ("segmentation", "segment", "accounts", "customers", "churn_rate", "mrr")
FORMULA_TRIGGERS = ("=", "+", "-", "@")


def cell(value: object) -> str:
    """One TSV cell: no tabs or line breaks inside; text a spreadsheet would run is prefixed with '."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    text = " ".join(str(value).replace("\t", " ").splitlines())
    return "'" + text if isinstance(value, str) and text.startswith(FORMULA_TRIGGERS) else text


class TsvWriter(Writer):
    format = "tsv"
    filename = "segments.tsv"

    def render(self, report: Report) -> str:
        lines = ["\t".join(COLUMNS)]
        lines += ["\t".join(cell(row.get(c)) for c in COLUMNS) for row in report.segment_rows()]
        return "\n".join(lines) + "\n"

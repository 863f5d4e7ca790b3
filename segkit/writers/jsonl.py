"""JSON Lines: one self-describing object per segment row, for ``| jq -c 'select(...)'``."""

from __future__ import annotations

from segkit.report import Report, clean_json
from segkit.writers.base import Writer
from segkit.writers.json import dumps


class JsonLinesWriter(Writer):
    """One self-describing object per segment row, for ``| jq -c 'select(...)'``."""

    format = "jsonl"

    def render(self, report: Report) -> str:
        precision = report.data.get("parameters", {}).get("float_precision", 6)
        meta = {"as_of": report.data["as_of"], "period": report.data["period"]}
        lines = [dumps(clean_json({**meta, **row}, precision), indent=None).replace("\n", "") for row in report.segment_rows()]
        return "\n".join(lines) + "\n"

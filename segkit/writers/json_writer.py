"""JSON: the report.json contract, keys sorted and floats rounded, so identical runs match byte for byte."""

from __future__ import annotations

import json

from segkit.report import Report, clean_json
from segkit.writers.base import Writer, register_writer


def dumps(value: object, *, indent: int | None = 2) -> str:
    return json.dumps(value, sort_keys=True, indent=indent, ensure_ascii=False, allow_nan=False) + ("\n" if indent else "")


@register_writer
class JsonWriter(Writer):
    format = "json"
    filename = "report.json"

    def render(self, report: Report) -> str:
        precision = report.data.get("parameters", {}).get("float_precision", 6)
        return dumps(clean_json(report.data, precision))


@register_writer
class JsonLinesWriter(Writer):
    """One self-describing object per segment row, for ``| jq -c 'select(...)'``."""

    format = "jsonl"

    def render(self, report: Report) -> str:
        precision = report.data.get("parameters", {}).get("float_precision", 6)
        meta = {"as_of": report.data["as_of"], "period": report.data["period"]}
        lines = [dumps(clean_json({**meta, **row}, precision), indent=None).replace("\n", "") for row in report.segment_rows()]
        return "\n".join(lines) + "\n"

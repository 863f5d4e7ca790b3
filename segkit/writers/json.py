"""JSON: the report.json contract, keys sorted and floats rounded, so identical runs match byte for byte."""

from __future__ import annotations

import json

from segkit.report import Report, clean_json
from segkit.writers.base import Writer


def dumps(value: object, *, indent: int | None = 2) -> str:
    return json.dumps(value, sort_keys=True, indent=indent, ensure_ascii=False, allow_nan=False) + ("\n" if indent else "")


class JsonWriter(Writer):
    format = "json"
    filename = "report.json"

    def render(self, report: Report) -> str:
        precision = report.data.get("parameters", {}).get("float_precision", 6)
        return dumps(clean_json(report.data, precision))

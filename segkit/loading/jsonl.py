"""JSON Lines records with their line numbers: one bad line is rejected, not fatal to the file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.json as pajson

from segkit.errors import InputDataError
from segkit.loading.formats import FileFormat, label, open_binary, short_error
from segkit.loading.readers import _flatten_table, read_table


def read_jsonl_records(path: Path, fmt: FileFormat) -> tuple[pa.Table, list[int] | None, list[tuple[int, int, int, str]]]:
    """JSON Lines as a table, each record's line, and the lines that are not JSON objects.

    The fast path is pyarrow's reader on the whole file; only when it fails is the file read
    line by line, so that one bad line is rejected with its exact line number instead of
    ending the run. Bad lines come back as (line, 0, 0, text).
    """
    try:
        return read_table(path, fmt), None, []
    except InputDataError:
        pass
    good = io.BytesIO()
    lines: list[int] = []
    bad: list[tuple[int, int, int, str]] = []
    with open_binary(path, fmt) as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.strip()
            if not text:
                continue
            try:
                ok = isinstance(json.loads(text), dict)
            except (json.JSONDecodeError, UnicodeDecodeError):
                ok = False
            if ok:
                good.write(text + b"\n")
                lines.append(number)
            else:
                bad.append((number, 0, 0, text[:200].decode("utf-8", "replace")))
    if not lines:
        raise InputDataError("no line is a valid JSON object", file=label(path))
    good.seek(0)
    try:
        table = _flatten_table(pajson.read_json(good))
    except (pa.ArrowException, ValueError) as exc:
        raise InputDataError(f"cannot read as jsonl ({short_error(exc)})", file=label(path)) from None
    return table, lines, bad

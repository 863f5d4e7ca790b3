"""Reading files into Arrow tables of raw values, before any mapping or parsing.

CSV and JSON Lines go through pyarrow's native readers (never a Python loop per row); every CSV
cell is read as text so ids keep their leading zeros and parsing happens in one place
(``segkit.loading.parse``), where a bad cell can be reported with its row and column.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from segkit.errors import InputDataError

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
PARQUET_SUFFIXES = (".parquet", ".pq")
DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class FileFormat:
    """What a file is: ``kind`` is csv, jsonl or parquet; ``compression`` is gzip or None."""

    kind: str
    compression: str | None = None


def detect_format(path: Path) -> FileFormat:
    """Decide the format from the name (``.csv.gz`` and friends), the way users name exports."""
    name = path.name.lower()
    compression = None
    if name.endswith(".gz"):
        compression = "gzip"
        name = name[: -len(".gz")]
    suffix = Path(name).suffix
    if suffix in CSV_SUFFIXES:
        return FileFormat("csv", compression)
    if suffix in JSONL_SUFFIXES:
        return FileFormat("jsonl", compression)
    if suffix in PARQUET_SUFFIXES:
        return FileFormat("parquet", compression)
    raise InputDataError(
        "unknown file type; segkit reads .csv/.tsv/.txt, .jsonl/.ndjson/.json (each optionally .gz) and .parquet",
        file=str(path),
    )


def _open_text(path: Path, fmt: FileFormat, encoding: str = "utf-8-sig") -> io.TextIOBase:
    raw = gzip.open(path, "rb") if fmt.compression == "gzip" else open(path, "rb")  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding=encoding, newline="")


def sniff_delimiter(first_line: str) -> str:
    """The most frequent candidate delimiter outside quotes in the header line."""
    counts = {d: 0 for d in DELIMITERS}
    in_quotes = False
    for ch in first_line:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _flatten_keys(obj: dict, prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            keys.extend(_flatten_keys(value, f"{name}."))
        else:
            keys.append(name)
    return keys


def read_header(path: Path, fmt: FileFormat | None = None, sample_lines: int = 200) -> list[str]:
    """Column names of a file without reading it whole (nested JSON keys flattened with dots)."""
    fmt = fmt or detect_format(path)
    try:
        if fmt.kind == "parquet":
            schema = pq.read_schema(path)
            return _flatten_schema(schema)
        with _open_text(path, fmt) as handle:
            if fmt.kind == "csv":
                first = handle.readline()
                if not first.strip():
                    raise InputDataError("empty file (no header line)", file=str(path))
                delimiter = sniff_delimiter(first)
                return [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
            seen: dict[str, None] = {}
            for index, line in enumerate(handle):
                if index >= sample_lines:
                    break
                if not line.strip():
                    continue
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise InputDataError(f"line {index + 1}: a JSON Lines record must be an object", file=str(path))
                for key in _flatten_keys(record):
                    seen.setdefault(key, None)
            if not seen:
                raise InputDataError("empty file (no records)", file=str(path))
            return list(seen)
    except InputDataError:
        raise
    except FileNotFoundError:
        raise InputDataError("file not found", file=str(path)) from None
    except IsADirectoryError:
        raise InputDataError("is a directory, not a file", file=str(path)) from None
    except PermissionError:
        raise InputDataError("permission denied", file=str(path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, pa.ArrowException, EOFError) as exc:
        raise InputDataError(f"cannot read the {fmt.kind} header ({_short(exc)})", file=str(path)) from None


def _flatten_schema(schema: pa.Schema, prefix: str = "") -> list[str]:
    names: list[str] = []
    for fld in schema:
        if pa.types.is_struct(fld.type):
            names.extend(_flatten_schema(pa.schema(list(fld.type)), f"{prefix}{fld.name}."))
        else:
            names.append(f"{prefix}{fld.name}")
    return names


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def read_table(path: Path, fmt: FileFormat | None = None) -> pa.Table:
    """The whole file as an Arrow table; CSV cells as text, JSON structs flattened to dotted names."""
    fmt = fmt or detect_format(path)
    try:
        if fmt.kind == "csv":
            header = read_header(path, fmt)
            with _open_text(path, fmt) as handle:
                delimiter = sniff_delimiter(handle.readline())
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(encoding="utf8", block_size=1 << 22),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types={name: pa.string() for name in header},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            return table.rename_columns([c.strip() for c in table.column_names])
        if fmt.kind == "jsonl":
            table = pajson.read_json(path)
            return _flatten_table(table)
        return _flatten_table(pq.read_table(path))
    except InputDataError:
        raise
    except FileNotFoundError:
        raise InputDataError("file not found", file=str(path)) from None
    except (OSError, pa.ArrowException, UnicodeDecodeError, EOFError) as exc:
        raise InputDataError(f"cannot read as {fmt.kind} ({_short(exc)})", file=str(path)) from None


def _flatten_table(table: pa.Table) -> pa.Table:
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    return table


def sha256_of(path: Path) -> str:
    """Content hash recorded in the report, so a reader can tell which export a figure came from."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

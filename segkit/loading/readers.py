"""Reading files into Arrow tables of raw values, before any mapping or parsing.

CSV and JSON Lines go through pyarrow's native readers (never a Python loop per row); every CSV
cell is read as text so ids keep their leading zeros and parsing happens in one place
(``segkit.loading.parse``), where a bad cell can be reported with its row and column.

Messy files are the norm (docs/inputs.md): the encoding is sniffed (UTF-8 with or without BOM,
UTF-16 with BOM, else a reported Windows-1252 fallback), the delimiter is sniffed from the header
(``, ; tab |``), gzip and zip are opened transparently, ``-`` is standard input, and a file that
is empty, binary, an Excel workbook or cut short fails with one line saying what to do.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from segkit.errors import InputDataError, UsageError
from segkit.loading.nested import _flatten_keys, _flatten_schema, _flatten_table
from segkit.loading.formats import (
    FileFormat,
    detect_format,
    label,
    open_binary,
    read_sample,
    short_error,
)

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "pipe": "|"}
FALLBACK_ENCODING = "cp1252"

def _open_text(path: Path, fmt: FileFormat, encoding: str = "utf-8-sig", errors: str = "strict") -> io.TextIOBase:
    return io.TextIOWrapper(open_binary(path, fmt), encoding=encoding, errors=errors, newline="")


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


def parse_delimiter(value: str | None) -> str | None:
    """``--delimiter`` accepts the character or a name: comma, semicolon, tab, pipe."""
    if value is None or value == "":
        return None
    value = DELIMITER_NAMES.get(value.lower(), value)
    if len(value) != 1 or value in ('"', "\n", "\r"):
        raise UsageError(f"--delimiter takes one character or comma/semicolon/tab/pipe; got {value!r}")
    return value


def check_encoding(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return codecs.lookup(value).name
    except LookupError:
        raise UsageError(f"unknown --encoding {value!r}; use a name such as utf-8, utf-16, cp1252 or latin-1") from None


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written: its encoding (a Python codec), delimiter, and what to report."""

    encoding: str
    delimiter: str
    note: str | None = None  # e.g. the legacy-encoding fallback, shown as a warning


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    controls = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\r\n\f") or ord(ch) == 0x7F)
    return "\x00" in text or controls / len(text) > 0.02


def _utf8_error_offset(path: Path, fmt: FileFormat) -> int | None:
    """Offset of the first byte that is not UTF-8, reading the whole file in blocks; None if valid."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open_binary(path, fmt) as handle:
        while True:
            block = handle.read(1 << 20)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                return offset + max(exc.start, 0)
            if not block:
                return None
            offset += len(block)


def _sample_utf8_error_offset(sample: bytes) -> int | None:
    """Like ``_utf8_error_offset`` on the sample only (a character cut at its end is not an error)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError as exc:
        return max(exc.start, 0)
    return None


def sniff_csv(path: Path, fmt: FileFormat, *, encoding: str | None = None, delimiter: str | None = None,
              whole_file: bool = True) -> CsvDialect:
    """Encoding and delimiter of a CSV file; overrides (``--encoding``/``--delimiter``) win.

    ``whole_file=False`` checks UTF-8 on the sample only: enough for the header, and the event
    files are read by DuckDB, whose reader checks every byte itself (decoding a whole 5M-event
    .gz in Python first cost ~5% of a run).
    """
    try:
        sample = read_sample(path, fmt)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
        raise InputDataError(_io_message(exc, fmt), file=label(path)) from None
    if not sample.strip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n"):
        raise InputDataError("empty file (no header line, no data)", file=label(path))
    note = None
    if encoding is None:
        if sample.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        elif sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        elif b"\x00" in sample:
            even, odd = sample[0::2], sample[1::2]
            if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
                encoding = "utf-16-le"
            elif even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
                encoding = "utf-16-be"
            else:
                raise InputDataError("is a binary file, not CSV text (is it the right file?)", file=label(path))
        else:
            bad = _utf8_error_offset(path, fmt) if whole_file else _sample_utf8_error_offset(sample)
            if bad is None:
                encoding = "utf-8"
            else:
                encoding = FALLBACK_ENCODING
                note = (
                    f"not valid UTF-8 (first bad byte at offset {bad}); read as Windows-1252. "
                    "If names look wrong, pass --encoding (for example latin-1 or cp1250)"
                )
    text = sample.decode(encoding, errors="replace")
    if _looks_binary(text[:4096]):
        raise InputDataError("is a binary file, not CSV text (is it the right file?)", file=label(path))
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    if delimiter is None:
        delimiter = sniff_delimiter(first_line)
    return CsvDialect(encoding=encoding, delimiter=delimiter, note=note)


def _csv_header(path: Path, fmt: FileFormat, dialect: CsvDialect) -> list[str]:
    sample = read_sample(path, fmt)
    text = sample.decode(dialect.encoding, errors="replace").lstrip("\ufeff")
    try:
        row = next(csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter), [])
    except csv.Error as exc:
        raise InputDataError(f"cannot read the CSV header ({short_error(exc)})", file=label(path)) from None
    names = [h.strip().lstrip("\ufeff") for h in row]
    if not any(names):
        raise InputDataError("the first line is empty: the header row is missing", file=label(path))
    return unique_names(names)


def unique_names(names: list[str]) -> list[str]:
    """Blank header cells become ``column_N``; a repeated name gets `` (2)``, `` (3)``..."""
    seen: dict[str, int] = {}
    out = []
    for index, name in enumerate(names, start=1):
        name = name or f"column_{index}"
        key = name.lower()
        if key in seen:
            seen[key] += 1
            name = f"{name} ({seen[key]})"
        else:
            seen[key] = 1
        out.append(name)
    return out


def _io_message(exc: BaseException, fmt: FileFormat) -> str:
    if isinstance(exc, EOFError) or "end-of-stream" in str(exc):
        return "truncated compressed file (the gzip stream ends early); download or export it again"
    if isinstance(exc, (zlib.error, gzip.BadGzipFile)) or "gzip" in str(exc).lower():
        return f"not a valid gzip file ({short_error(exc)})"
    if isinstance(exc, zipfile.BadZipFile):
        return f"not a readable zip archive ({short_error(exc)})"
    return f"cannot read the {fmt.kind} file ({short_error(exc)})"


def read_header(
    path: Path,
    fmt: FileFormat | None = None,
    sample_lines: int = 200,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> list[str]:
    """Column names of a file without reading it whole (nested JSON keys flattened with dots)."""
    fmt = fmt or detect_format(path)
    try:
        if fmt.kind == "parquet":
            schema = pq.read_schema(path)
            return _flatten_schema(schema)
        if fmt.kind == "csv":
            return _csv_header(path, fmt, sniff_csv(path, fmt, encoding=encoding, delimiter=delimiter, whole_file=False))
        return _jsonl_header(path, fmt, sample_lines, encoding or "utf-8-sig")
    except InputDataError:
        raise
    except FileNotFoundError:
        raise InputDataError("file not found", file=label(path)) from None
    except IsADirectoryError:
        raise InputDataError("is a directory, not a file", file=label(path)) from None
    except PermissionError:
        raise InputDataError("permission denied", file=label(path)) from None
    except UnicodeDecodeError:
        raise InputDataError(
            f"{fmt.kind} is not valid UTF-8 text (binary file? pass --encoding if it is text)", file=label(path)
        ) from None
    except (OSError, json.JSONDecodeError, pa.ArrowException, EOFError, zlib.error, zipfile.BadZipFile, ValueError) as exc:
        if isinstance(exc, (EOFError, zlib.error, zipfile.BadZipFile, gzip.BadGzipFile)):
            raise InputDataError(_io_message(exc, fmt), file=label(path)) from None
        raise InputDataError(f"cannot read the {fmt.kind} header ({short_error(exc)})", file=label(path)) from None


#: What surrogateescape makes of bytes the encoding cannot decode.
_UNDECODED = re.compile("[\udc80-\udcff]")


def _jsonl_header(path: Path, fmt: FileFormat, sample_lines: int, encoding: str) -> list[str]:
    seen: dict[str, None] = {}
    # surrogateescape: a line with bytes that are not text is skipped here (the event reader rejects
    # it with its line number); on the first line it means the file is not text at all.
    with _open_text(path, fmt, encoding, errors="surrogateescape") as handle:
        for index, line in enumerate(handle):
            if index >= sample_lines:
                break
            stripped = line.strip()
            if not stripped:
                continue
            if _UNDECODED.search(stripped):
                if index == 0:
                    raise UnicodeDecodeError(encoding, b"", 0, 1, "line 1 is not text")
                continue
            if index == 0 and stripped.startswith("["):
                raise InputDataError(
                    "is a JSON array, not JSON Lines (one object per line); convert it with: jq -c '.[]' FILE > FILE.jsonl",
                    file=label(path),
                )
            try:
                record = json.loads(stripped)
            except json.JSONDecodeError as exc:
                if index > 0:
                    continue  # a bad line later on is rejected with its line (loading/jsonl.py)
                hint = " (pretty-printed JSON? convert it with: jq -c . FILE > FILE.jsonl)" if index == 0 else ""
                raise InputDataError(f"line {index + 1} is not valid JSON ({exc.msg}){hint}", file=label(path)) from None
            except RecursionError:
                raise InputDataError(f"line {index + 1}: JSON nested too deeply to be an export record", file=label(path)) from None
            if not isinstance(record, dict):
                raise InputDataError(f"line {index + 1}: a JSON Lines record must be an object", file=label(path))
            if index == 0 and set(record) == {"object", "data", "has_more", "url"}:
                raise InputDataError(
                    "is a Stripe API list response; write one object per line with: jq -c '.data[]' FILE > FILE.jsonl",
                    file=label(path),
                )
            for key in _flatten_keys(record):
                seen.setdefault(key, None)
    if not seen:
        raise InputDataError("empty file (no records)", file=label(path))
    return list(seen)


@dataclass
class CsvRead:
    """A CSV file read as text cells, with the rows that had the wrong number of fields."""

    table: pa.Table
    dialect: CsvDialect
    lines: list[int] | None = None  # line of each kept record, when it is not simply 2, 3, ...
    bad_rows: list[tuple[int | None, int, int, str]] = field(default_factory=list)  # line, fields, expected, text


def _arrow_encoding(encoding: str) -> str:
    return "utf8" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding


def _parse_csv(path: Path, fmt: FileFormat, dialect: CsvDialect, header: list[str], *, quoting: bool = True) -> tuple[pa.Table, list]:
    """Every cell as text; ragged rows are collected (line, fields, expected, text), not fatal."""
    bad: list[tuple[int | None, int, int, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append((row.number, row.actual_columns, row.expected_columns, (row.text or "")[:200]))
        return "skip"

    try:
        with open_binary(path, fmt) as handle:
            table = pacsv.read_csv(
                handle,
                read_options=pacsv.ReadOptions(
                    encoding=_arrow_encoding(dialect.encoding), block_size=1 << 22, column_names=header, skip_rows=1
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=dialect.delimiter, newlines_in_values=quoting, invalid_row_handler=on_invalid,
                    quote_char='"' if quoting else False,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={name: pa.string() for name in header},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
        raise InputDataError(_io_message(exc, fmt), file=label(path)) from None
    except (pa.ArrowException, UnicodeError, ValueError) as exc:
        raise InputDataError(f"cannot read as CSV ({short_error(exc)})", file=label(path)) from None
    return table, bad


def read_csv_table(path: Path, fmt: FileFormat, *, encoding: str | None = None, delimiter: str | None = None) -> CsvRead:
    """Every cell as text; ragged rows are set aside (with their line) instead of failing the file.

    The records parsed are cross-checked against the file's physical lines: a stray ``"`` in an
    unquoted field would otherwise swallow every line after it into one cell (see
    ``_cross_check_lines``).
    """
    dialect = sniff_csv(path, fmt, encoding=encoding, delimiter=delimiter)
    header = _csv_header(path, fmt, dialect)
    table, bad = _parse_csv(path, fmt, dialect, header)
    result = CsvRead(table=table, dialect=dialect)
    _check_truncated(path, fmt, dialect, result, bad)
    table, bad, dialect = _cross_check_lines(path, fmt, dialect, header, table, bad)
    result = CsvRead(table=table, dialect=dialect)
    if bad:
        result.lines, result.bad_rows = _locate_records(path, fmt, dialect, len(header), table.num_rows, bad)
    return result


def _data_lines(path: Path, fmt: FileFormat, dialect: CsvDialect) -> int:
    """Non-blank physical lines after the header."""
    count = 0
    with open_binary(path, fmt) as raw, io.TextIOWrapper(raw, encoding=dialect.encoding, errors="replace", newline="") as text:
        for line in text:
            count += bool(line.strip())
    return max(count - 1, 0)


#: Encodings in which every ``\n`` and ``\r`` byte is a line break (no multi-byte unit contains one).
_BYTE_LINE_ENCODINGS = frozenset({"utf-8", "utf-8-sig", "ascii", "iso8859-1", "iso8859-15", "cp1252"})


def _physical_lines_at_most(path: Path, fmt: FileFormat, dialect: CsvDialect) -> int | None:
    """An upper bound of ``_data_lines`` from the raw bytes (line breaks ``\n``, ``\r``, ``\r\n``
    counted in C, blank lines included), None for encodings where bytes are not characters."""
    if codecs.lookup(dialect.encoding).name not in _BYTE_LINE_ENCODINGS:
        return None
    breaks, last, previous_cr = 0, b"", False
    with open_binary(path, fmt) as raw:
        while block := raw.read(1 << 24):
            breaks += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
            if previous_cr and block[:1] == b"\n":
                breaks -= 1  # a \r\n split between two blocks
            previous_cr, last = block[-1:] == b"\r", block[-1:]
    segments = breaks + (1 if last and last not in (b"\n", b"\r") else 0)
    return max(segments - 1, 0)


def _cross_check_lines(
    path: Path, fmt: FileFormat, dialect: CsvDialect, header: list[str], table: pa.Table, bad: list
) -> tuple[pa.Table, list, CsvDialect]:
    """Fewer records than lines: quoted line breaks, or a stray quote that swallowed lines.

    The file is parsed again with quotes as plain text; when that reads one record per line with
    no more ragged rows, the stray quotes were the cause and that reading is used (with a note).
    Otherwise the quoted line breaks are real and the first reading stands.
    """
    records = table.num_rows + len(bad)
    at_most = _physical_lines_at_most(path, fmt, dialect)
    if at_most is not None and records >= at_most:  # no more lines than records: nothing swallowed
        return table, bad, dialect
    lines = _data_lines(path, fmt, dialect)
    if records >= lines:
        return table, bad, dialect
    plain, plain_bad = _parse_csv(path, fmt, dialect, header, quoting=False)
    if plain.num_rows + len(plain_bad) != lines or len(plain_bad) > len(bad):
        return table, bad, dialect
    note = (f"{lines - records} lines were swallowed by an unbalanced quote; the file was read again "
            "with quotes as plain text, one record per line")
    joined = f"{dialect.note}; {note}" if dialect.note else note
    return plain, plain_bad, replace(dialect, note=joined)


def _tail(path: Path, fmt: FileFormat, dialect: CsvDialect) -> tuple[bool, int, str]:
    """(ends with a line end, number of quote characters, last line), streaming the decoded file."""
    quotes = 0
    tail = ""
    with open_binary(path, fmt) as raw, io.TextIOWrapper(raw, encoding=dialect.encoding, errors="replace", newline="") as text:
        while True:
            block = text.read(1 << 20)
            if not block:
                break
            quotes += block.count('"')
            tail = (tail + block)[-4096:]
    return tail.endswith(("\n", "\r")), quotes, tail.rsplit("\n", 1)[-1]


def _check_truncated(path: Path, fmt: FileFormat, dialect: CsvDialect, result: CsvRead, bad: list) -> None:
    """A file cut short mid-record fails as a whole: its last rows cannot be trusted."""
    try:
        ends_with_newline, quotes, last_line = _tail(path, fmt, dialect)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputDataError(_io_message(exc, fmt), file=label(path)) from None
    if ends_with_newline:
        return
    if quotes % 2:
        raise InputDataError(
            "truncated: the file ends inside a quoted field with no closing quote; export it again "
            "(or close the quote if it was edited by hand)",
            file=label(path),
        )
    if bad and bad[-1][3] and last_line.startswith(bad[-1][3]) and bad[-1][1] < bad[-1][2]:
        raise InputDataError(
            f"truncated: the last row has {bad[-1][1]} of {bad[-1][2]} fields and no line end; export it again",
            file=label(path),
        )


def _locate_records(
    path: Path, fmt: FileFormat, dialect: CsvDialect, expected: int, kept: int, bad: list
) -> tuple[list[int] | None, list[tuple[int | None, int, int, str]]]:
    """Line numbers of kept and ragged records (only when a file has ragged rows: a slow path)."""
    good_lines: list[int] = []
    bad_lines: list[int] = []
    with open_binary(path, fmt) as raw, io.TextIOWrapper(raw, encoding=dialect.encoding, errors="replace", newline="") as text:
        reader = csv.reader(text, delimiter=dialect.delimiter)
        start = 1
        try:
            for index, record in enumerate(reader):
                if index > 0 and record and record != [""]:
                    (good_lines if len(record) == expected else bad_lines).append(start)
                start = reader.line_num + 1
        except csv.Error:
            return None, bad
    if len(good_lines) != kept or len(bad_lines) != len(bad):
        return None, bad
    return good_lines, [(line, *rest) for line, (_, *rest) in zip(bad_lines, bad)]


def read_table(
    path: Path, fmt: FileFormat | None = None, *, encoding: str | None = None, delimiter: str | None = None
) -> pa.Table:
    """The whole file as an Arrow table; CSV cells as text, JSON structs flattened to dotted names."""
    fmt = fmt or detect_format(path)
    if fmt.kind == "csv":
        return read_csv_table(path, fmt, encoding=encoding, delimiter=delimiter).table
    try:
        if fmt.kind == "jsonl":
            if fmt.compression is None:
                table = pajson.read_json(path)
            else:
                with open_binary(path, fmt) as handle:
                    table = pajson.read_json(handle)
            return _flatten_table(table)
        return _flatten_table(pq.read_table(path))
    except InputDataError:
        raise
    except FileNotFoundError:
        raise InputDataError("file not found", file=label(path)) from None
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
        if isinstance(exc, (EOFError, zlib.error, zipfile.BadZipFile, gzip.BadGzipFile)):
            raise InputDataError(_io_message(exc, fmt), file=label(path)) from None
        raise InputDataError(f"cannot read as {fmt.kind} ({short_error(exc)})", file=label(path)) from None
    except (pa.ArrowException, UnicodeError, ValueError) as exc:
        raise InputDataError(f"cannot read as {fmt.kind} ({short_error(exc)})", file=label(path)) from None


__all__ = [
    "CsvDialect", "CsvRead", "check_encoding", "parse_delimiter", "read_csv_table", "read_header", "read_table",
    "sniff_csv", "sniff_delimiter", "unique_names",
]

"""Event-file rows DuckDB cannot parse: rejected with their file, line and reason, never fatal.

A ragged CSV row, a JSON Lines line that is not JSON, invalid UTF-8 on one line: each is one
rejected row (rejected.csv and the counts), and every other row of the file is used.

* CSV is read with its columns declared (names and delimiter from the loader's header sniff, no
  DuckDB sniffer at every bind) and ``store_rejects``: DuckDB skips a bad row and records its
  physical line and error type in a rejects table of its own for that file.
* JSON Lines is read as lines (``read_csv`` with one column, no quoting), so every physical line,
  blank ones included, is numbered and a line that is not JSON is kept with a flag instead of
  stopping the reader; the mapped keys are taken out with ``json_extract_string``. Lines with
  invalid UTF-8 land in the rejects table as for CSV.

The surviving rows are numbered with ``row_number()`` in file order; where the reader skipped
lines, ``shift_lines`` moves each number past the skipped lines before it (an ASOF join on the
few rejected lines), so line numbers stay exact.
"""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path

import duckdb
import pandas as pd

from segkit.features.events.base import REASON_CSV, REASON_FIELDS, REASON_JSON, REASON_TEXT, REASON_UTF8
from segkit.features.events.definition import REASON_CODES, Bounds
from segkit.loading.formats import FileFormat
from segkit.loading.model import EventFile, Rejections

#: DuckDB's CSV error types -> the reason listed and counted.
_ERROR_REASON = {
    "TOO MANY COLUMNS": REASON_FIELDS,
    "MISSING COLUMNS": REASON_FIELDS,
    "INVALID ENCODING": REASON_UTF8,
    "INVALID UNICODE": REASON_UTF8,
}

#: Encodings DuckDB's reader takes as UTF-8 (the loader's sniff names them the Python way).
_UTF8 = ("utf-8", "utf-8-sig", "utf8")


def rejects_table(index: int) -> str:
    return f"segkit_rejects_{index}"


def lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def csv_layout(ef: EventFile) -> tuple[list[str], str] | None:
    """Header names and delimiter of a UTF-8 CSV event file (sampled), or None: let DuckDB sniff."""
    if ef.format.compression == "zip" or not ef.path.is_file():
        return None
    stat = ef.path.stat()
    return _layout(str(ef.path), ef.format, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _layout(path: str, fmt: FileFormat, mtime_ns: int, size: int) -> tuple[list[str], str] | None:
    """Cached per file version: every view over the file binds its scan again."""
    from segkit.errors import InputDataError
    from segkit.loading.readers import read_header, sniff_csv

    try:
        dialect = sniff_csv(Path(path), fmt, whole_file=False)
        if dialect.encoding.lower() not in _UTF8:
            return None
        return read_header(Path(path), fmt), dialect.delimiter
    except InputDataError:
        return None


def _reject_options(index: int | None) -> str:
    if index is None:
        return ", ignore_errors=true"  # rows before the counted scan: skipped here, counted there
    return (f", store_rejects=true, rejects_table={lit(rejects_table(index))}, "
            f"rejects_scan={lit(rejects_table(index) + '_scan')}")


def _compression(ef: EventFile) -> str:
    return ", compression='gzip'" if ef.format.compression == "gzip" else ""


def csv_scan(ef: EventFile, path: str, hive: str, index: int | None) -> str:
    """``read_csv`` of one event CSV, every column text; declared when the header is known."""
    layout = csv_layout(ef)
    if layout is None:
        return f"read_csv({path}, header=true, all_varchar=true, auto_detect=true{hive}{_reject_options(index)})"
    names, delimiter = layout
    columns = ", ".join(f"{lit(name)}: 'VARCHAR'" for name in names)
    return (f"read_csv({path}, header=true, columns={{{columns}}}, delim={lit(delimiter)}, quote='\"', "
            f"escape='\"', auto_detect=false{_compression(ef)}{hive}{_reject_options(index)})")


def jsonl_lines_scan(ef: EventFile, path: str, hive: str, index: int, tops: list[str], json_tops: set[str]) -> str:
    """JSON Lines as numbered text lines, the mapped keys extracted; ``_bad`` flags blank and non-JSON lines.

    Same column names and types as the ``read_json`` scan (keys as VARCHAR, nested ones JSON),
    so ``FileColumns`` reads both alike.
    """
    # ``ok`` once per line, then one json_extract_string with every path (one parse): measured
    # 7.1 CPU s at 5M against 8.5 with a per-key extraction and check (read_json: 4.7, but it stops
    # at a bad line and skips blank lines, which shifts every later line number).
    ok = "(json_valid(line) AND starts_with(ltrim(line), '{'))"
    json_paths = [lit('$."' + top.replace('"', '\\"') + '"') for top in tops]
    paths = ", ".join(json_paths)
    keys = []
    for n, (top, json_path) in enumerate(zip(tops, json_paths), start=1):
        value = f"json_extract(line, {json_path})" if top in json_tops else f"_j[{n}]"
        keys.append(f"CASE WHEN _ok THEN {value} END AS \"{top.replace(chr(34), chr(34) * 2)}\"")
    bad = "CASE WHEN line IS NULL OR trim(line) = '' THEN 'blank' WHEN NOT _ok THEN 'json' END AS _bad"
    text = "CASE WHEN line IS NOT NULL AND trim(line) <> '' AND NOT _ok THEN left(line, 200) END AS _text"
    reader = (f"read_csv({path}, columns={{'line': 'VARCHAR'}}, header=false, delim='\\x01', quote='', escape='', "
              f"auto_detect=false, strict_mode=false{_compression(ef)}{hive}{_reject_options(index)})")
    extract = f"CASE WHEN _ok THEN json_extract_string(line, [{paths}]) END AS _j" if tops else "NULL AS _j"
    checked = f"(SELECT *, {ok} AS _ok FROM {reader})"
    return (f"(SELECT {', '.join(keys + [bad, text])}, * EXCLUDE (line, _ok, _j) "
            f"FROM (SELECT *, {extract} FROM {checked}))")


def shift_lines(con: duckdb.DuckDBPyConnection, index: int, header_lines: int) -> None:
    """Move ``scan_rows``' numbers of file ``index`` past the lines its reader skipped (rejected)."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE segkit_shift AS
        SELECT s, max(j) AS n FROM (
            SELECT r - row_number() OVER (ORDER BY r) AS s, row_number() OVER (ORDER BY r) AS j
            FROM (SELECT DISTINCT line - {int(header_lines)} AS r FROM {rejects_table(index)})
        ) GROUP BY s"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE scan_rows AS
        SELECT r.* REPLACE (r._line + CASE WHEN r._file = {int(index)} THEN coalesce(m.n, 0) ELSE 0 END AS _line)
        FROM scan_rows r ASOF LEFT JOIN segkit_shift m ON r._line > m.s"""
    )


def reader_rejects(con: duckdb.DuckDBPyConnection, index: int) -> list[tuple[int, str, str]]:
    """(physical line, reason, the line's text) of every row the reader of file ``index`` skipped."""
    try:
        rows = con.execute(
            f"""SELECT line, min(error_type), min(left(csv_line, 200)) FROM {rejects_table(index)}
            GROUP BY line ORDER BY line"""
        ).fetchall()
    except duckdb.CatalogException:
        return []  # the reader was not a CSV reader with rejects (sniffed fallback without them)
    return [(int(line), _ERROR_REASON.get(str(kind), REASON_CSV), text or "") for line, kind, text in rows]


def take_parse_rejects(con: duckdb.DuckDBPyConnection, files: list[EventFile],
                       text: list[int]) -> list[tuple[int, int, str, str]]:
    """After ``scan_rows`` is built: (file index, line, reason, text) of every unparseable row.

    Line numbers of the other rows are corrected for the skipped ones first; the flagged JSON
    Lines rows (not JSON, blank) are then taken out of ``scan_rows``.
    """
    out: list[tuple[int, int, str, str]] = []
    for index in text:
        header = 1 if files[index].format.kind == "csv" else 0
        skipped = reader_rejects(con, index)
        if skipped:
            shift_lines(con, index, header)
        out += [(index, line, reason, value) for line, reason, value in skipped]
    flagged = con.execute("SELECT _file, _line, _text FROM scan_rows WHERE _bad = 'json' ORDER BY _file, _line").fetchall()
    out += [(int(index), int(line), REASON_JSON, value or "") for index, line, value in flagged]
    con.execute("DELETE FROM scan_rows WHERE _bad IS NOT NULL")
    return sorted(out)


def parse_counts(rows: list[tuple[int, int, str, str]]) -> dict[str, int]:
    """Unparseable rows per reason, for the input accounting."""
    return dict(Counter(reason for _, _, reason, _ in rows))


def list_parse_rejects(rows: list[tuple[int, int, str, str]], files: list[str], rejections: Rejections) -> None:
    """The unparseable rows in rejected.csv: file, line, no column, the line's text (clipped), reason."""
    rejections.add("events", pd.Series([files[i] for i, _, _, _ in rows], dtype="string"),
                   pd.Series([line for _, line, _, _ in rows], dtype="int64"), "",
                   pd.Series([text for _, _, _, text in rows], dtype="string"),
                   pd.Series([reason for _, _, reason, _ in rows], dtype="string"))


def rejected_filters(bounds: Bounds, counts: dict[str, int], *, want_dup: bool, want_unknown: bool,
                     linked: bool) -> list[str]:
    """Conditions on the canonical columns that keep every row a reason in ``counts`` can apply to."""
    present = {code for code, text in REASON_TEXT.items() if counts.get(text)}
    codes = REASON_CODES
    conds = []
    if codes["not_track"] in present:
        conds.append("(call_type IS NOT NULL AND call_type <> 'track')")
    if codes["no_account"] in present or codes["no_subscription"] in present or (
            want_unknown and linked):
        conds.append("(account_id IS NULL OR account_id = '')")
    if codes["no_event"] in present:
        conds.append("(event IS NULL OR event = '')")
    if codes["bad_ts"] in present or codes["before_1970"] in present:
        conds.append("(ts IS NULL OR ts < TIMESTAMP '1970-01-01')")
    if codes["bad_number"] in present:
        conds.append("bad_number")
    if codes["after"] in present:
        conds.append(f"(ts >= make_timestamp({bounds.end}))")
    if want_unknown:
        conds.append("(account_id IN (SELECT account_id FROM unknown_accounts))")
    if want_dup:
        conds.append("(event_id IN (SELECT event_id FROM dup_ids))")
    return conds

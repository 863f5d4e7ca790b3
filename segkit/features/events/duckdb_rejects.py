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

The surviving rows are stored in file order (``preserve_insertion_order``), so a row's number in
its file is its ``rowid`` in ``scan_rows`` less the file's first rowid: no ``row_number()`` window,
which would run the whole parse on one thread. Where the reader skipped lines,
``physical_lines`` moves each number past the skipped lines before it, so line numbers stay
exact; this is only done for the rows listed in rejected.csv.
"""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
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
    # A JSON object line is never blank, so a line is trimmed only once it is not one: trimming
    # every line (a copy of each) cost 1.1 of 3.4 s at 5M lines.
    bad = "CASE WHEN line IS NULL THEN 'blank' WHEN _ok THEN NULL WHEN trim(line) = '' THEN 'blank' ELSE 'json' END AS _bad"
    text = "CASE WHEN line IS NULL OR _ok THEN NULL WHEN trim(line) <> '' THEN left(line, 200) END AS _text"
    reader = (f"read_csv({path}, columns={{'line': 'VARCHAR'}}, header=false, delim='\\x01', quote='', escape='', "
              f"auto_detect=false, strict_mode=false{_compression(ef)}{hive}{_reject_options(index)})")
    extract = f"CASE WHEN _ok THEN json_extract_string(line, [{paths}]) END AS _j" if tops else "NULL AS _j"
    checked = f"(SELECT *, {ok} AS _ok FROM {reader})"
    return (f"(SELECT {', '.join(keys + [bad, text])}, * EXCLUDE (line, _ok, _j) "
            f"FROM (SELECT *, {extract} FROM {checked}))")


def skip_offsets(lines: list[int], header_lines: int) -> np.ndarray:
    """``r_j - j`` over the distinct skipped lines ``r`` (ascending, header excluded, j from 1).

    Non-decreasing: the surviving row ``n`` comes after exactly the skipped lines whose value is
    below ``n`` (``physical_lines``).
    """
    skipped = np.unique(np.asarray(lines, dtype=np.int64) - int(header_lines))
    return skipped - np.arange(1, len(skipped) + 1, dtype=np.int64)


def physical_lines(numbers: np.ndarray | pd.Series, skips: np.ndarray | None) -> np.ndarray:
    """Row numbers among the rows the reader kept (1-based, file order) -> physical record numbers."""
    rows = np.asarray(numbers, dtype=np.int64)
    if skips is None or not len(skips):
        return rows
    return rows + np.searchsorted(skips, rows, side="left")


def shift_listed(rows: pd.DataFrame, skips: dict[int, np.ndarray]) -> None:
    """In place: the listed rows' ``_line`` (per ``_file``) moved past the lines their reader skipped."""
    for index, offsets in skips.items():
        at = rows["_file"] == index
        rows.loc[at, "_line"] = physical_lines(rows.loc[at, "_line"], offsets)


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


def take_parse_rejects(con: duckdb.DuckDBPyConnection, files: list[EventFile], text: list[int],
                       first_rowid: dict[int, int]) -> tuple[list[tuple[int, int, str, str]], dict[int, np.ndarray]]:
    """After ``scan_rows`` is built: (file index, line, reason, text) of every unparseable row.

    Also returns, per file whose reader skipped lines, the offsets ``physical_lines`` needs to
    number that file's other rows. The flagged JSON Lines rows (not JSON, blank) stay in
    ``scan_rows`` (its rowids are the line numbers) and are left out by the views over it.
    """
    out: list[tuple[int, int, str, str]] = []
    skips: dict[int, np.ndarray] = {}
    for index in text:
        header = 1 if files[index].format.kind == "csv" else 0
        skipped = reader_rejects(con, index)
        if skipped:
            skips[index] = skip_offsets([line for line, _, _ in skipped], header)
        out += [(index, line, reason, value) for line, reason, value in skipped]
    if any(files[index].format.kind == "jsonl" for index in text):
        flagged = con.execute("SELECT _file, rowid, _text FROM scan_rows WHERE _bad = 'json'").df()
        for index, rows in flagged.groupby("_file", sort=True):
            numbers = rows["rowid"].to_numpy(dtype=np.int64) - first_rowid[int(index)] + 1
            lines = physical_lines(numbers, skips.get(int(index)))
            out += [(int(index), int(line), REASON_JSON, value or "") for line, value in zip(lines, rows["_text"].tolist())]
    return sorted(out), skips


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


def rejected_rows_sql(reason: str, resolved: str, *, want_dup: bool, want_unknown: bool) -> str:
    """Each row of ``resolved`` (the ``numbered`` rows) with its exact reason code, as the counts
    decide it (duplicates after the earliest of their id, unknown accounts), and its listed value."""
    dup = unknown_case = ""
    if want_dup:
        dup = """WHEN r.reason IS NULL AND r.event_id IN (SELECT event_id FROM dup_ids)
            AND row_number() OVER (PARTITION BY r.event_id, r.reason IS NULL, r.event_id IN (SELECT event_id FROM dup_ids)
                                   ORDER BY r.ts, r._file, r.account_id, r.event, r.user_id) > 1
            THEN 'dup'"""
    if want_unknown:
        unknown_case = "WHEN r.reason IS NULL AND r.account_id IN (SELECT account_id FROM unknown_accounts) THEN 'unknown'"
    return f"""SELECT _file, _line, code, CASE code
                WHEN 'dup' THEN event_id WHEN 'unknown' THEN account_id WHEN '1' THEN call_type WHEN '7' THEN subscription_id
                WHEN '4' THEN ts_raw WHEN '5' THEN ts_raw WHEN '6' THEN ts_raw END AS value
        FROM (
            SELECT r.*, CASE WHEN r.reason IS NOT NULL THEN CAST(r.reason AS VARCHAR) {dup} {unknown_case} END AS code
            FROM (SELECT *, {reason} AS reason FROM ({resolved})) r
        ) WHERE code IS NOT NULL AND code <> '{REASON_CODES["after"]}' ORDER BY _file, _line"""

"""Per-account features from the event log, computed inside an embedded DuckDB.

The feature SQL itself lives in ``definition.py`` (one definition, shared with the Spark engine);
this module maps the event files onto canonical columns and runs it. The event log is never
loaded into pandas: DuckDB scans the files, only the mapped columns are read, typed Parquet
columns are used as they are (no text round trip), and one row per account comes back.
Rejected-row accounting (no account, no event name, bad timestamp, after as-of, duplicate event
id, unknown account) is exact and done in the engine: the rejected rows are counted per reason in
the same pass as the per-account aggregate, and listed with their line numbers by a second,
filtered scan only when something was rejected.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from segkit.errors import InputDataError, on_interrupt, pending_interrupt
from segkit.features.events import definition as fdef
from segkit.features.events.base import (
    AFTER_TIMESTAMP,
    REASON_DUPLICATE,
    REASON_TEXT,
    REASON_UNKNOWN,
    EventFeatures,
    EventFileSummary,
    check_rejected_share,
    finish_frame,
    finish_frame_at,
    record_counts,
    settle_events,
    split_after,
)
from segkit.features.events.base import first_line as _first_line, measures_of, to_us as _us
from segkit.features.events.linking import LINK_COLUMNS, account_resolution, LINKS, LINKED_SOURCES, converted_numbers, duckdb_link_columns, has_numbers, subscription_links, users_map_sql
from segkit.loading.model import EventFile, EventInput, Rejections
from segkit.features.events.duckdb_files import WORKDIR_PREFIX, remove_stale_workdirs  # noqa: F401 - the next run cleans up
from segkit.features.events.duckdb_files import (
    TEXT_MACRO, TS_MACRO, FileColumns, default_memory_limit, default_threads, describe_any, lit, parquet_max_timestamp,
    OPTIONAL_COLUMNS, first_used_wide, prepare_files, release_memory, remove_workdir, scan, small_input, unmapped_constants, with_progress,
)
from segkit.features.events.duckdb_rejects import (
    list_parse_rejects, parse_counts, rejected_filters, rejected_rows_sql, rejects_table, shift_listed,
    take_parse_rejects,
)
from segkit.loading.formats import label

#: The column a rejected row is listed under, per reason code.
REASON_COLUMN = {1: "type", 2: "account_id", 3: "event", 4: "timestamp", 5: "timestamp", 6: "timestamp", 7: "subscription_id", 8: "count"}


class DuckDBEngine:
    """A DuckDB session over the mapped event files; one per run (the default engine)."""

    name = "duckdb"

    def __init__(
        self,
        events: EventInput,
        *,
        timezone: str = "UTC",
        users: pd.DataFrame | None = None,
        threads: int | None = None,
        memory_limit: str | None = None,
        temp_directory: str | None = None,
        progress: bool = False,
    ) -> None:
        self.events = events
        self.timezone = timezone
        self._workdir = tempfile.TemporaryDirectory(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-")
        self._forget_interrupt = lambda: None
        try:
            self._open(events, users, threads=threads, memory_limit=memory_limit,
                       temp_directory=temp_directory, progress=progress)
        except BaseException:  # a bad file or a signal while opening: no work directory left behind
            self.close()
            raise

    def _open(self, events: EventInput, users: pd.DataFrame | None, *, threads: int | None,
              memory_limit: str | None, temp_directory: str | None, progress: bool) -> None:
        self.files = prepare_files(events.files, self._workdir.name)
        # A database file in the work directory rather than memory: the tables kept between the
        # queries (event_pairs, account_base, dup_ids) are stored compressed and can be evicted.
        # Small inputs need neither: an in-memory database skips creating the file and its WAL.
        self.in_memory = small_input(self.files)
        database = ":memory:" if self.in_memory else str(Path(self._workdir.name) / "events.duckdb")
        self.con = duckdb.connect(database, config={"threads": int(threads or default_threads())})
        # The work database is deleted after the run: closing it must not checkpoint the tables
        # first (that re-read and compressed scan_rows: +400 MiB peak and ~15 s at 5M JSON Lines).
        self.con.execute("PRAGMA disable_checkpoint_on_shutdown")
        # A signal stops a running query (SIGINT, SIGTERM, SIGHUP: segkit.cli.main's handlers).
        self._forget_interrupt = on_interrupt(self.con.interrupt)
        # DuckDB tracks progress (for our own bar, on a terminal only) but never prints its own.
        self.con.execute(f"SET enable_progress_bar={'true' if progress else 'false'}")
        self.con.execute("SET enable_progress_bar_print=false")
        self.memory_limit = memory_limit or default_memory_limit(self.files)
        self.con.execute(f"SET memory_limit={lit(self.memory_limit)}")
        spill = Path(temp_directory) if temp_directory else Path(self._workdir.name) / "spill"
        self.con.execute(f"SET temp_directory={lit(str(spill))}")
        self.con.execute(f"SET TimeZone={lit(self.timezone)}")
        self.con.execute("SET preserve_insertion_order=false")
        self.con.execute(TS_MACRO)
        self.con.execute(TEXT_MACRO)
        self.progress = progress
        self.given_users = users is not None and len(users) > 0
        if self.given_users:
            self.con.register("users_given", users[["user_id", "account_id"]].astype("string"))
        self.has_calls = any("call_type" in f.mapping for f in self.files)
        try:
            self.files = [self._with_group_calls(f) for f in self.files]
            self.columns = [FileColumns(self.con, f, self.timezone) for f in self.files]
        except duckdb.Error as exc:
            raise InputDataError(f"cannot read the event files ({_first_line(exc)})") from None
        self.has_group_calls = any("call_type" in f.mapping and "group_id" in f.mapping for f in self.files)
        self.has_users = self.given_users or self.has_group_calls
        self.has_subscriptions = events.has_subscription_ids
        if self.has_subscriptions:
            self.con.register("subscriptions_given", subscription_links(events))
        self.has_numbers = has_numbers(self.files)
        self.has_counts = any("count" in f.mapping for f in self.files)  # else every row counts 1 (definition._events)
        self.has_event_id = any("event_id" in f.mapping for f in self.files)
        self.bounds: fdef.Bounds | None = None
        self._scanned: set[int] = set()  # text files already read into ``scan_rows``
        self.parse_rejects: list[tuple[int, int, str, str]] = []  # rows no reader could parse
        self._first_rowid: dict[int, int] = {}  # per text file, its first rowid in ``scan_rows``
        self._skips: dict[int, np.ndarray] = {}  # per text file whose reader skipped lines (duckdb_rejects)
        self._define_views()

    def _with_group_calls(self, ef: EventFile) -> EventFile:
        """A Segment file's ``groupId`` may appear only after the sampled header: ask DuckDB."""
        if "call_type" not in ef.mapping or "group_id" in ef.mapping:
            return ef
        try:
            names = [row[0] for row in self.con.execute(f"DESCRIBE SELECT * FROM {describe_any(ef)}").fetchall()]
        except duckdb.Error:
            return ef
        hit = next((n for n in names if n.lower() == "groupid"), None)
        return EventFile(ef.path, ef.format, {**ef.mapping, "group_id": hit}, ef.options) if hit else ef

    # -- relations -------------------------------------------------------------------------

    def _file_sql(self, index: int, *, line: bool = False, where: str | None = None) -> str:
        """One file in canonical columns; ``line`` adds the record number (1-based) as ``_line``."""
        cols = self.columns[index]
        ef = self.files[index]
        number = ""
        if line and ef.format.kind == "parquet":
            number = ", file_row_number + 1 AS _line"
        elif line:  # text: numbered by its rowid in ``scan_rows``; the lines its reader could not parse
            number = ", _bad, _text" if ef.format.kind == "jsonl" else ", CAST(NULL AS VARCHAR) AS _bad, CAST(NULL AS VARCHAR) AS _text"
        sql = (
            f"SELECT {cols.text('account_id')} AS account_id, {cols.text('user_id')} AS user_id, "
            f"{cols.text('event')} AS event, {cols.text('event_id')} AS event_id, "
            f"lower({cols.text('call_type')}) AS call_type, {cols.text('group_id')} AS group_id, "
            f"{cols.ts()} AS ts, {cols.t()} AS t, {cols.ts_raw()} AS ts_raw, {index} AS _file, "
            f"{duckdb_link_columns({c: cols.text(c) if c in ef.mapping else None for c in LINKED_SOURCES})}{number} "
            f"FROM {scan(ef, line=line, index=index)}"
        )
        return f"{sql} WHERE {where}" if where else sql

    def _define_views(self) -> None:
        try:
            src = " UNION ALL ".join(self._file_sql(i) for i in range(len(self.files)))
            self.con.execute(f"CREATE TEMP VIEW src AS {src}")
            # With text files the group calls are read from ``scan_rows`` once it is built
            # (``_scan_text_once``); here only the table's shape, so the text is parsed once.
            self._users_map(empty=any(ef.format.kind != "parquet" for ef in self.files))
            self.con.execute(f"CREATE TEMP VIEW resolved AS {self._resolved_sql('src')}")
        except duckdb.Error as exc:
            raise InputDataError(f"cannot read the event files ({_first_line(exc)})") from None

    def _users_map(self, *, empty: bool) -> None:
        if self.has_users:
            limit = " LIMIT 0" if empty else ""
            sql = users_map_sql(given_users=self.given_users, group_calls=self.has_group_calls)
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE users_map AS SELECT * FROM ({sql}){limit}")

    def _resolved_sql(self, relation: str, extra: str = "") -> str:
        """Events with the account resolved through the subscription or users map (explicit account ids win)."""
        account, joins = account_resolution(has_subscriptions=self.has_subscriptions, has_users=self.has_users)
        return f"""SELECT {account} AS account_id, s.user_id, s.event, s.event_id, s.ts, s.t, s.call_type, s._file,
            {', '.join('s.' + c for c in LINK_COLUMNS)}{extra} FROM {relation} s {joins}"""

    def _reason(self, end: int) -> str:
        return fdef.reason_sql(end, has_calls=self.has_calls, has_subscriptions=self.has_subscriptions,
                               has_numbers=self.has_numbers)

    def _sql(self, sql: str, params: list | None = None, *, what: str | None = None) -> duckdb.DuckDBPyConnection:
        try:
            if what and self.progress:
                return with_progress(self.con, sql, params or [], what)
            return self.con.execute(sql, params or [])
        except duckdb.Error as exc:
            if pending_interrupt() is not None:  # the query was stopped by a signal, not a bad file
                raise pending_interrupt() from None
            files = ", ".join(label(f.path) for f in self.events.files)
            raise InputDataError(f"{files}: cannot read the events ({_first_line(exc)})") from None

    def release_memory(self) -> None:
        """Hand back what DuckDB keeps (``duckdb_files.release_memory``) once the feature
        statements are done, when text files were read into ``scan_rows``: the run's Python stages
        come next, and DuckDB's held pages beside them were the peak (20M CSV.gz: 755 -> 665 MiB).
        Once, not after every statement: evicting ``scan_rows``, a temporary table, writes it to the
        spill file and the next statement reads it back (5M CSV: 1.3 s for four releases); on Parquet
        alone it cost more CPU (20M: +1.7 s, re-faulting the pages) than the memory it saved."""
        if self._scanned and not self.in_memory:  # an in-memory database would spill its tables instead
            release_memory(self.con, self.memory_limit)

    # -- questions asked before the features -----------------------------------------------

    def file_summary(self) -> dict[str, EventFileSummary]:
        """Per event file: records read (the unparseable ones too, as a run counts them) and the
        date range of valid timestamps (``segkit validate``)."""
        self._scan_text_once()
        rows = self._sql(
            """SELECT _file, count(*), min(ts) FILTER (WHERE ts >= TIMESTAMP '1970-01-01'), max(ts)
            FROM src GROUP BY _file"""
        ).fetchall()
        read = Counter(index for index, _, _, _ in self.parse_rejects)
        spans: dict[int, tuple[str, str] | None] = {}
        for index, count, first, last in rows:
            read[int(index)] += int(count)
            spans[int(index)] = None if first is None or last is None else (pd.Timestamp(first, tz="UTC").isoformat(), pd.Timestamp(last, tz="UTC").isoformat())
        return {label(self.events.files[index].path): EventFileSummary(rows_read=read[index], date_range=spans.get(index))
                for index in sorted(read)}

    def max_timestamp(self) -> pd.Timestamp | None:
        """Latest valid event time: the default as-of comes from the data, never the clock.

        Parquet files whose statistics show no missing account or event name are answered from
        their metadata; anything else is one scan of the timestamp column.
        """
        fast = self._max_timestamp_from_metadata()
        if fast is not None:
            return fast
        self._scan_text_once()  # the one parse of the text files serves the features too
        (value,) = self._sql(
            "SELECT max(ts) FROM resolved WHERE account_id IS NOT NULL AND account_id <> '' AND event IS NOT NULL AND event <> ''",
            what="finding the latest event",
        ).fetchall()[0]
        return pd.Timestamp(value, tz="UTC") if value is not None else None

    def _max_timestamp_from_metadata(self) -> pd.Timestamp | None:
        if self.has_calls or self.has_users or self.has_subscriptions:
            return None
        return parquet_max_timestamp(self.con, self.files, self.columns)

    # -- the features ----------------------------------------------------------------------

    def _define_scored(self, bounds: fdef.Bounds) -> int:
        """``scored`` (every row with a reason code) and ``valid``; returns the duplicate rows."""
        reason = self._reason(bounds.end)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW scored_all AS SELECT *, {reason} AS reason FROM resolved")
        duplicates = 0
        if self.has_event_id:
            # Only ids seen more than once among usable rows are kept aside; the earliest row of each
            # wins. Nothing else is materialised (the old TEMP TABLE held every event).
            self._sql(
                """CREATE OR REPLACE TABLE dup_ids AS SELECT event_id, count(*) AS n FROM scored_all
                WHERE reason IS NULL AND event_id IS NOT NULL GROUP BY event_id HAVING count(*) > 1""",
                what="checking event ids",
            )
            n_ids, n_rows = self.con.execute("SELECT count(*), coalesce(sum(n), 0) FROM dup_ids").fetchall()[0]
            duplicates = int(n_rows) - int(n_ids)
        if duplicates:
            self.con.execute(
                """CREATE OR REPLACE TABLE dup_winners AS SELECT * FROM scored_all
                WHERE reason IS NULL AND event_id IN (SELECT event_id FROM dup_ids)
                QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY ts, _file, account_id, event, user_id) = 1"""
            )
            self.con.execute(
                """CREATE OR REPLACE TEMP VIEW scored AS
                SELECT * FROM scored_all
                WHERE NOT (reason IS NULL AND event_id IS NOT NULL AND event_id IN (SELECT event_id FROM dup_ids))
                UNION ALL SELECT * FROM dup_winners"""
            )
        else:
            self.con.execute("CREATE OR REPLACE TEMP VIEW scored AS SELECT * FROM scored_all")
        self.con.execute("CREATE OR REPLACE TEMP VIEW valid AS SELECT * FROM scored WHERE reason IS NULL")
        return duplicates

    def features(self, as_of: dt.date, known_accounts: pd.Index | None, rejections: Rejections) -> EventFeatures:
        """Compute the features at ``as_of`` and settle the events' input accounting."""
        bounds = fdef.Bounds.at(as_of)
        self.bounds = bounds
        self._scan_text_once()
        duplicates = self._define_scored(bounds)
        d = fdef.DUCKDB
        weighted = self.has_counts
        self._sql(f"CREATE OR REPLACE TABLE event_pairs AS {fdef.pairs_sql(bounds, weighted=weighted)}", what="reading events (1/3)")
        self._sql(f"CREATE OR REPLACE TABLE account_base AS {fdef.account_base_sql(d, bounds, weighted=weighted)}",
                  what="reading events (2/3)")
        frame = self._sql(fdef.features_sql(d, bounds, measures=measures_of(self.events)), what="reading events (3/3)").df()
        self.release_memory()
        by_code = {int(code): int(n) for code, n in self.con.execute(fdef.rejected_counts_sql()).fetchall()}
        settled = settle_events(self.events, frame, by_code, duplicates, known_accounts, parse_counts(self.parse_rejects))
        list_parse_rejects(self.parse_rejects, [label(ef.path) for ef in self.events.files], rejections)
        if settled.counts:
            self._list_rejected(bounds, settled.counts, settled.unknown, rejections)
        frame = settled.frame
        return EventFeatures(frame=finish_frame(frame), max_timestamp=None)

    def _scan_text_once(self) -> None:
        """CSV and JSON Lines files are parsed once, into ``scan_rows``; every later query reads that.

        Text has no row groups to skip, so each aggregate and the rejected-row listing would
        otherwise re-read and re-parse the whole file. The table holds the canonical columns,
        ``t`` (parsed once) and the raw timestamp text only where it is listed (no time, or before
        1970: a row after as-of is excluded, not listed), so one table serves every as-of. It is a
        temporary table: kept uncompressed and spilled to the work directory beyond the memory
        limit, so memory stays flat; a table in the work database file was compressed as it was
        written (5M-row CSV: the parse 4.4 s against 2.6 s; the run's peak ~75 MiB higher at
        5M, the pages held up to the limit, and the same at 20M).
        Rows are stored in file order, one file after another, so a row's line is its rowid less
        its file's first rowid (``duckdb_rejects``): a ``row_number()`` window here ran the whole
        parse on one thread (10M plain CSV: 12.3 s against 8.2 s wall).
        """
        text = [i for i, ef in enumerate(self.files) if ef.format.kind != "parquet"]
        if not text or self._scanned:
            return
        constant = unmapped_constants([self.files[i] for i in text])
        kept = "".join(f"{c}, " for c in OPTIONAL_COLUMNS if c not in constant)
        flags = ", _bad, _text" if any(self.files[i].format.kind == "jsonl" for i in text) else ""
        for i in text:
            self.con.execute(f"DROP TABLE IF EXISTS {rejects_table(i)}; DROP TABLE IF EXISTS {rejects_table(i)}_scan")
        self.con.execute("SET preserve_insertion_order=true")  # rowids in file order: the line numbers
        try:
            self._first_rowid = {}
            for n, i in enumerate(text):
                part = f"""SELECT account_id, user_id, event, {kept}t,
                    CASE WHEN t IS NULL OR t < 0 THEN ts_raw END AS ts_raw, _file{flags}
                FROM ({self._file_sql(i, line=True)})"""
                self._first_rowid[i] = int(self.con.execute("SELECT count(*) FROM scan_rows").fetchall()[0][0]) if n else 0
                into = "INSERT INTO scan_rows " if n else "CREATE OR REPLACE TEMP TABLE scan_rows AS "
                self._sql(into + part, what="reading events")
            self.parse_rejects, self._skips = take_parse_rejects(self.con, self.files, text, self._first_rowid)
        finally:
            self.con.execute("SET preserve_insertion_order=false")
        self._scanned = set(text)
        columns = ", ".join(f"{constant[c]} AS {c}" if c in constant else c for c in OPTIONAL_COLUMNS)
        self._stored = f"account_id, user_id, event, {columns}, t, ts_raw, _file"
        self._usable = " WHERE _bad IS NULL" if flags else ""  # blank and non-JSON lines are kept for their rowids
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW scan_rows_all AS SELECT {self._stored} FROM scan_rows{self._usable}")
        src = " UNION ALL ".join(self._file_sql(i) for i in range(len(self.files)) if i not in self._scanned)
        stored = f"SELECT account_id, user_id, event, event_id, call_type, group_id, make_timestamp(t) AS ts, t, ts_raw, _file, {LINKS} FROM scan_rows_all"
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW src AS {' UNION ALL '.join(filter(None, [src, stored]))}")
        self._users_map(empty=False)

    def _stored_numbered(self, index: int) -> str:
        """File ``index``'s rows of ``scan_rows`` with ``_line``: its number among the rows the reader kept."""
        usable = self._usable.replace("WHERE", "AND")
        return (f"SELECT {self._stored}, rowid - {self._first_rowid[index]} + 1 AS _line FROM scan_rows "
                f"WHERE _file = {index}{usable}")

    def list_rejected(self, as_of: dt.date, counts: dict[str, int], unknown: list[str], rejections: Rejections) -> None:
        """List the rejected rows whose counts another engine (Spark) computed, with line numbers.

        The text files are scanned as a run scans them, so the rows no reader could parse are
        listed too and every other row keeps its physical line (``duckdb_rejects.shift_lines``).
        """
        bounds = fdef.Bounds.at(as_of)
        self.bounds = bounds
        self._scan_text_once()
        self._define_scored(bounds)
        list_parse_rejects(self.parse_rejects, [label(ef.path) for ef in self.events.files], rejections)
        self._list_rejected(bounds, counts, unknown, rejections)

    def _list_rejected(self, bounds: fdef.Bounds, counts: dict[str, int], unknown: list[str], rejections: Rejections) -> None:
        """Only when something was rejected: those rows with their line numbers.

        Each file is scanned once more, filtered on the stored columns by the reasons that occurred
        (so Parquet skips row groups by their statistics and nothing else is materialised); the
        exact reason of each remaining row is then decided by the same rules as the counts.
        """
        want_dup = bool(counts.get(REASON_DUPLICATE))
        want_unknown = bool(counts.get(REASON_UNKNOWN))
        self.con.register("unknown_accounts", pd.DataFrame({"account_id": pd.Series(unknown, dtype="string")}))
        conds = rejected_filters(bounds, counts, want_dup=want_dup, want_unknown=want_unknown,
                                 linked=self.has_users or self.has_subscriptions)
        where = " OR ".join(conds) or "FALSE"
        parts = []
        for index in range(len(self.files)):
            if index in self._scanned:
                parts.append(
                    "SELECT * FROM (SELECT account_id, user_id, event, event_id, call_type, group_id, make_timestamp(t) AS ts, "
                    f"t, ts_raw, _file, {LINKS}, _line FROM ({self._stored_numbered(index)})) WHERE {where}")
                continue
            push = self.columns[index].ts_pushdown(bounds.end)
            if push and conds == [f"(ts >= make_timestamp({bounds.end}))"]:
                # Only late events: filter on the stored column so Parquet skips earlier row groups.
                parts.append(f"SELECT * FROM ({self._file_sql(index, line=True, where=push)}) WHERE {where}")
            else:
                parts.append(self._file_sql(index, line=True, where=where))
        self.con.execute("SET preserve_insertion_order=true")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW numbered AS {' UNION ALL '.join(parts)}")
        rows = self._rejected_rows(bounds, want_dup=want_dup, want_unknown=want_unknown)
        self.con.execute("SET preserve_insertion_order=false")
        shift_listed(rows, self._skips)  # text rows after lines their reader skipped
        if len(rows):
            files = [label(ef.path) for ef in self.events.files]
            offset = {i: (1 if ef.format.kind == "csv" else 0) for i, ef in enumerate(self.files)}
            text = {str(k): v for k, v in REASON_TEXT.items()} | {"dup": REASON_DUPLICATE, "unknown": REASON_UNKNOWN}
            column = {str(k): v for k, v in REASON_COLUMN.items()} | {"dup": "event_id", "unknown": "account_id"}
            rejections.add(
                "events",
                rows["_file"].map(lambda i: files[int(i)]),
                rows["_line"].astype("int64") + rows["_file"].map(lambda i: offset[int(i)]),
                rows["code"].map(column),
                rows["value"],
                rows["code"].map(text),
            )

    def _rejected_rows(self, bounds: fdef.Bounds, *, want_dup: bool, want_unknown: bool) -> pd.DataFrame:
        """The ``numbered`` rows' exact reason codes (as the counts decide them) and listed values."""
        resolved = self._resolved_sql("numbered", ", s._line, s.ts_raw")
        sql = rejected_rows_sql(self._reason(bounds.end), resolved, want_dup=want_dup, want_unknown=want_unknown)
        return self._sql(sql, what="listing rejected events").df()

    # -- optional extras (segkit.features.extra) -------------------------------------------

    def event_detail(self, max_event_names: int) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
        """Top event names, first use (us) per account in columns ``c<i>``, breadth in 90 days."""
        names = [row[0] for row in self.con.execute(f"{fdef.top_events_sql()} LIMIT {int(max_event_names)}").fetchall()]
        self.con.register("top_event_names", pd.DataFrame({"idx": range(len(names)), "event": pd.Series(names, dtype="string")}))
        wide = first_used_wide(self.con, len(names), "top_event_names")
        breadth = self.con.execute(fdef.breadth_90_sql()).df()
        return names, wide, breadth

    def features_at(self, as_of: dt.date) -> pd.DataFrame:
        """The features at an earlier date (the period start) over the run's accounted events.

        Called after ``features`` (it reads ``valid``); nothing is counted again.
        """
        bounds = fdef.Bounds.at(as_of)
        for name, sql in fdef.features_at_views(fdef.DUCKDB, bounds, weighted=self.has_counts):
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")
        frame = self._sql(fdef.features_at_sql(fdef.DUCKDB, bounds), what="reading events at the period start").df()
        return finish_frame_at(frame)

    def usage_window(self, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
        """Events and active days per account in [lo, hi)."""
        return self.con.execute(fdef.usage_window_sql(fdef.DUCKDB, _us(lo), _us(hi))).df()

    def first_event(self, event: str, end: pd.Timestamp | dt.datetime) -> pd.DataFrame:
        """account_id, first_us: first use of ``event`` before ``end`` (activation)."""
        return self.con.execute(fdef.first_event_sql(event, _us(end))).df()

    def event_days(self, end: pd.Timestamp | dt.datetime) -> pd.DataFrame:
        """account_id, day (days since 1970, UTC): active days before ``end`` (events as transactions)."""
        return self.con.execute(fdef.event_days_sql(_us(end))).df()

    def convert(self, out: Path, rejections: Rejections, *, as_of: dt.date | None = None) -> int:
        """``segkit convert`` for events: the usable rows' canonical columns as Parquet; returns rows written.

        Same rules and accounting as a run (no as-of check unless ``as_of`` is given); duplicate
        event ids are kept, with the id, for the run to remove.
        """
        bounds = fdef.Bounds.at(as_of or dt.date(9000, 1, 1))
        self.bounds = bounds
        self._scan_text_once()
        reason = self._reason(bounds.end)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW scored AS SELECT *, {reason} AS reason FROM resolved")
        self.con.execute("CREATE OR REPLACE TEMP VIEW valid AS SELECT * FROM scored WHERE reason IS NULL")
        by_code = {int(c): int(n) for c, n in self._sql(
            "SELECT reason, count(*) FROM scored WHERE reason IS NOT NULL GROUP BY reason").fetchall()}
        columns = "account_id, user_id, event" + (", event_id" if self.has_event_id else "")
        columns += converted_numbers(self.files)
        self._sql(
            f"COPY (SELECT {columns}, make_timestamptz(t) AS timestamp FROM valid) TO {lit(str(out))} "
            "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)",
            what="converting events",
        ).fetchall()
        (written,) = self.con.execute(f"SELECT count(*) FROM read_parquet({lit(str(out))})").fetchall()[0]
        by_code, after = split_after(by_code)  # after --as-of: excluded and counted, not rejected
        counts = {REASON_TEXT[c]: n for c, n in by_code.items() if n} | parse_counts(self.parse_rejects)
        total = int(written) + sum(counts.values()) + after
        record_counts(self.events, counts, total, {AFTER_TIMESTAMP: after})
        check_rejected_share(self.events, counts, total)
        list_parse_rejects(self.parse_rejects, [label(ef.path) for ef in self.events.files], rejections)
        if counts:
            self._list_rejected(bounds, counts, [], rejections)
        return int(written)

    def close(self) -> None:
        self._forget_interrupt()
        try:
            if getattr(self, "con", None) is not None:
                self.con.close()
        finally:  # the work directory goes even when closing fails (an interrupted connection)
            remove_workdir(self._workdir)

"""Per-account features from the event log, computed inside an embedded DuckDB.

This module is the one definition of the event features (SPEC section 2). The event log is never
loaded into pandas: DuckDB scans the files, only the mapped columns are read, and one row per
account comes back. Distinct counts are written as separate de-duplicating aggregates joined on
the account, which measured faster and leaner than ``COUNT(DISTINCT ...)`` in one GROUP BY.
Rejected-row accounting (no account, no event name, bad timestamp, after as-of, duplicate event
id, unknown account) is exact and also done in the engine.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import duckdb
import pandas as pd

import tempfile
from pathlib import Path

from segkit.errors import InputDataError
from segkit.loading.loader import EventFile, EventInput, Rejections
from segkit.loading.readers import FileFormat, extract_zip_members, label

#: Feature name -> what it means; the report's definitions and docs/features.md use this.
EVENT_FEATURES: dict[str, str] = {
    "event_count": "events up to as-of",
    "distinct_users": "distinct non-null user ids",
    "distinct_events": "distinct event names",
    "first_seen": "first event timestamp (UTC)",
    "last_seen": "last event timestamp (UTC)",
    "active_days_30": "distinct UTC dates with an event in the 30 days ending at as-of",
    "active_days_90": "distinct UTC dates with an event in the 90 days ending at as-of",
    "events_30": "events in the 30 days ending at as-of",
    "events_prior_60": "events in the 60 days before those 30",
    "trend_slope_12w": "least-squares slope of weekly event counts over the last 12 weeks (events/week per week)",
}

REASON_NO_ACCOUNT = "no account id (and no user -> account mapping)"
REASON_NO_EVENT = "missing event name"
REASON_BAD_TS = "timestamp missing or not a date/time"
REASON_AFTER = "timestamp after as-of"
REASON_DUPLICATE = "duplicate event id"
REASON_UNKNOWN = "account_id not found in the accounts table"
REASON_BEFORE_1970 = "timestamp before 1970"
REASON_NOT_TRACK = "not a track call (Segment group calls feed the user -> account map)"
#: Epoch numbers: seconds, or milliseconds above 1e11 (Mixpanel ``time`` in either unit).
TS_MACRO = """CREATE OR REPLACE TEMP MACRO segkit_ts(raw) AS COALESCE(
    TRY_CAST(raw AS TIMESTAMPTZ),
    CASE WHEN abs(TRY_CAST(raw AS DOUBLE)) BETWEEN 1e8 AND 1e14 THEN
        to_timestamp(CASE WHEN abs(TRY_CAST(raw AS DOUBLE)) > 1e11 THEN TRY_CAST(raw AS DOUBLE) / 1000
                          ELSE TRY_CAST(raw AS DOUBLE) END)
    END)"""


@dataclass
class EventFeatures:
    frame: pd.DataFrame  # one row per account_id (index), columns EVENT_FEATURES
    max_timestamp: pd.Timestamp | None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _column_expr(event_file: EventFile, canonical: str) -> str:
    """SQL for one mapped column; dotted names in JSON/Parquet are struct paths."""
    source = event_file.mapping.get(canonical)
    if source is None:
        return "NULL"
    if event_file.format.kind in ("jsonl", "parquet") and "." in source:
        return ".".join(_quote(part) for part in source.split("."))
    return _quote(source)


def _account_expr(event_file: EventFile) -> str:
    """The account column; Amplitude ``groups`` values may be lists, whose first element is used."""
    expr = _column_expr(event_file, "account_id")
    if expr != "NULL" and event_file.options.get("account_may_be_list"):
        return f"CASE WHEN json_type(to_json({expr})) = 'ARRAY' THEN to_json({expr}) ->> 0 ELSE to_json({expr}) ->> '$' END"
    return expr


def _scan(event_file: EventFile) -> str:
    path = str(event_file.path).replace("'", "''")
    kind = event_file.format.kind
    if kind == "parquet":
        return f"read_parquet('{path}')"
    if kind == "csv":
        return f"read_csv('{path}', header=true, all_varchar=true, auto_detect=true)"
    return f"read_json('{path}', format='newline_delimited', sample_size=-1, union_by_name=true)"


def _text(expr: str) -> str:
    return f"NULLIF(TRIM(CAST({expr} AS VARCHAR)), '')"


def _source_sql(files: list[EventFile], with_row_number: bool = False, first_index: int = 0) -> str:
    """One relation over all event files, in canonical names; ``_file`` says which file."""
    parts = []
    for index, ef in enumerate(files, start=first_index):
        row = ", row_number() OVER () AS _line" if with_row_number else ""
        ts = f"CAST({_column_expr(ef, 'timestamp')} AS VARCHAR)"
        parts.append(
            f"SELECT {_text(_account_expr(ef))} AS account_id, "
            f"{_text(_column_expr(ef, 'user_id'))} AS user_id, "
            f"{_text(_column_expr(ef, 'event'))} AS event, "
            f"{_text(_column_expr(ef, 'event_id'))} AS event_id, "
            f"lower({_text(_column_expr(ef, 'call_type'))}) AS call_type, "
            f"{_text(_column_expr(ef, 'group_id'))} AS group_id, "
            f"timezone('UTC', segkit_ts({ts})) AS ts, "
            f"{ts} AS ts_raw, {index} AS _file{row} FROM {_scan(ef)}"
        )
    return " UNION ALL ".join(parts)


def prepare_files(files: list[EventFile], workdir: str) -> list[EventFile]:
    """Event files as DuckDB can scan them: a zip (Amplitude's export) is unpacked to ``workdir``."""
    out = []
    for index, ef in enumerate(files):
        if ef.format.compression == "zip":
            target = Path(workdir) / f"zip{index}"
            target.mkdir(parents=True, exist_ok=True)
            extract_zip_members(ef.path, target)
            ef = EventFile(target / "*", FileFormat("jsonl"), ef.mapping, ef.options)
        out.append(ef)
    return out


class EventEngine:
    """A DuckDB session over the mapped event files; one per run."""

    def __init__(
        self,
        events: EventInput,
        *,
        timezone: str = "UTC",
        users: pd.DataFrame | None = None,
        threads: int | None = None,
    ) -> None:
        self.events = events
        self._workdir = tempfile.TemporaryDirectory(prefix="segkit-events-")
        self.files = prepare_files(events.files, self._workdir.name)
        self.con = duckdb.connect(config={"threads": threads or os.cpu_count() or 1})
        self.con.execute(f"SET TimeZone='{timezone}'")
        self.con.execute("SET preserve_insertion_order=false")
        self.con.execute(TS_MACRO)
        self.given_users = users is not None and len(users) > 0
        if self.given_users:
            self.con.register("users_given", users[["user_id", "account_id"]].astype("string"))
        self.has_calls = any("call_type" in f.mapping for f in self.files)
        self.files = [self._with_group_calls(f) for f in self.files]
        self.has_group_calls = any("call_type" in f.mapping and "group_id" in f.mapping for f in self.files)
        self.has_users = self.given_users or self.has_group_calls
        self.has_event_id = any("event_id" in f.mapping for f in self.files)
        self._define_views()

    def _with_group_calls(self, ef: EventFile) -> EventFile:
        """A Segment file's ``groupId`` may appear only after the sampled header: ask DuckDB."""
        if "call_type" not in ef.mapping or "group_id" in ef.mapping:
            return ef
        try:
            names = [row[0] for row in self.con.execute(f"DESCRIBE SELECT * FROM {_scan(ef)}").fetchall()]
        except duckdb.Error:
            return ef
        hit = next((n for n in names if n.lower() == "groupid"), None)
        return EventFile(ef.path, ef.format, {**ef.mapping, "group_id": hit}, ef.options) if hit else ef

    def _define_views(self) -> None:
        try:
            self.con.execute(f"CREATE TEMP VIEW src AS {_source_sql(self.files)}")
            if self.has_users:
                parts = []
                if self.given_users:
                    parts.append("SELECT user_id, account_id FROM users_given")
                if self.has_group_calls:
                    # The latest group call per user wins; an explicit users table wins over both.
                    exclude = "AND user_id NOT IN (SELECT user_id FROM users_given)" if self.given_users else ""
                    parts.append(
                        f"""SELECT user_id, group_id AS account_id FROM src
                        WHERE call_type = 'group' AND user_id IS NOT NULL AND group_id IS NOT NULL {exclude}
                        QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY ts DESC NULLS LAST, group_id) = 1"""
                    )
                self.con.execute(f"CREATE TEMP TABLE users_map AS {' UNION ALL '.join(parts)}")
            account = "COALESCE(s.account_id, u.account_id)" if self.has_users else "s.account_id"
            join = "LEFT JOIN users_map u ON s.account_id IS NULL AND s.user_id = u.user_id" if self.has_users else ""
            self.con.execute(
                f"""CREATE TEMP VIEW resolved AS
                SELECT {account} AS account_id, s.user_id, s.event, s.event_id, s.ts, s.call_type, s._file
                FROM src s {join}"""
            )
        except duckdb.Error as exc:
            raise InputDataError(f"cannot read the event files ({_first_line(exc)})") from None

    def _sql(self, sql: str, params: list | None = None) -> duckdb.DuckDBPyRelation:
        try:
            return self.con.execute(sql, params or [])
        except duckdb.Error as exc:
            files = ", ".join(label(f.path) for f in self.events.files)
            raise InputDataError(f"{files}: cannot read the events ({_first_line(exc)})") from None

    def file_summary(self) -> dict[str, dict]:
        """Per event file: records read and the date range of valid timestamps (``segkit validate``)."""
        rows = self._sql(
            """SELECT _file, count(*), min(ts) FILTER (WHERE ts >= TIMESTAMP '1970-01-01'), max(ts)
            FROM src GROUP BY _file"""
        ).fetchall()
        out = {}
        for index, count, first, last in rows:
            out[label(self.events.files[int(index)].path)] = {
                "rows_read": int(count),
                "date_range": [pd.Timestamp(first, tz="UTC").isoformat(), pd.Timestamp(last, tz="UTC").isoformat()]
                if first is not None and last is not None else None,
            }
        return out

    def max_timestamp(self) -> pd.Timestamp | None:
        """Latest valid event time: the default as-of comes from the data, never the clock."""
        (value,) = self._sql(
            "SELECT max(ts) FROM resolved WHERE account_id IS NOT NULL AND event IS NOT NULL"
        ).fetchone()
        return pd.Timestamp(value, tz="UTC") if value is not None else None

    def features(self, as_of: dt.date, known_accounts: pd.Index | None, rejections: Rejections) -> EventFeatures:
        """Compute the features at ``as_of`` and settle the events' input accounting."""
        end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
        stats = self.events.stats
        p = {
            name: f"TIMESTAMP '{end - dt.timedelta(days=days)}'"
            for name, days in (("end", 0), ("e30", 30), ("e84", 84), ("e90", 90))
        }
        self.con.execute(
            f"""CREATE OR REPLACE TEMP VIEW classified AS SELECT *, CASE
                WHEN call_type IS NOT NULL AND call_type <> 'track' THEN '{REASON_NOT_TRACK}'
                WHEN account_id IS NULL THEN '{REASON_NO_ACCOUNT}'
                WHEN event IS NULL THEN '{REASON_NO_EVENT}'
                WHEN ts IS NULL THEN '{REASON_BAD_TS}'
                WHEN ts < TIMESTAMP '1970-01-01' THEN '{REASON_BEFORE_1970}'
                WHEN ts >= {p['end']} THEN '{REASON_AFTER}'
            END AS reason FROM resolved"""
        )
        if self.has_event_id:
            valid = """SELECT * FROM classified WHERE reason IS NULL
                QUALIFY event_id IS NULL OR row_number() OVER (PARTITION BY event_id ORDER BY ts, _file, account_id, event) = 1"""
        else:
            valid = "SELECT * FROM classified WHERE reason IS NULL"
        # De-duplication needs a window over all rows: materialise it once rather than per aggregate.
        kind = "TABLE" if self.has_event_id else "VIEW"
        self.con.execute(f"CREATE OR REPLACE TEMP {kind} valid AS {valid}")
        frame = self._sql(
            f"""
            WITH base AS (
                SELECT account_id,
                       count(*) AS event_count,
                       min(ts) AS first_seen,
                       max(ts) AS last_seen,
                       count(*) FILTER (WHERE ts >= {p['e30']}) AS events_30,
                       count(*) FILTER (WHERE ts >= {p['e90']} AND ts < {p['e30']}) AS events_prior_60,
                       count(*) FILTER (WHERE ts >= {p['e84']}) AS n84,
                       sum(floor(epoch(ts - {p['e84']}) / 604800)) FILTER (WHERE ts >= {p['e84']}) AS sum_w
                FROM valid GROUP BY account_id
            ),
            users AS (
                SELECT account_id, count(*) AS distinct_users
                FROM (SELECT DISTINCT account_id, user_id FROM valid WHERE user_id IS NOT NULL)
                GROUP BY account_id
            ),
            names AS (
                SELECT account_id, count(*) AS distinct_events
                FROM (SELECT DISTINCT account_id, event FROM valid) GROUP BY account_id
            ),
            days AS (
                SELECT account_id,
                       count(*) FILTER (WHERE day >= CAST({p['e30']} AS DATE)) AS active_days_30,
                       count(*) AS active_days_90
                FROM (SELECT DISTINCT account_id, CAST(ts AS DATE) AS day FROM valid WHERE ts >= {p['e90']})
                GROUP BY account_id
            )
            SELECT b.account_id, b.event_count,
                   COALESCE(u.distinct_users, 0) AS distinct_users,
                   n.distinct_events, b.first_seen, b.last_seen,
                   COALESCE(d.active_days_30, 0) AS active_days_30,
                   COALESCE(d.active_days_90, 0) AS active_days_90,
                   b.events_30, b.events_prior_60,
                   (12 * COALESCE(b.sum_w, 0) - 66 * b.n84) / 1716.0 AS trend_slope_12w
            FROM base b
            LEFT JOIN users u USING (account_id)
            LEFT JOIN names n USING (account_id)
            LEFT JOIN days d USING (account_id)
            ORDER BY b.account_id
            """
        ).df()
        counts = dict(self._sql("SELECT reason, count(*) FROM classified WHERE reason IS NOT NULL GROUP BY reason").fetchall())
        (total,) = self._sql("SELECT count(*) FROM classified").fetchone()
        used = int(frame["event_count"].sum()) if len(frame) else 0
        duplicates = total - sum(counts.values()) - used
        if duplicates:
            counts[REASON_DUPLICATE] = duplicates
        unknown: list[str] = []
        if known_accounts is not None and len(frame):
            orphan = ~frame["account_id"].isin(known_accounts)
            if orphan.any():
                unknown = frame.loc[orphan, "account_id"].tolist()
                counts[REASON_UNKNOWN] = int(frame.loc[orphan, "event_count"].sum())
                frame = frame[~orphan]
        stats.rows_read = int(total)
        stats.rows_used = int(total)
        for reason, count in sorted(counts.items()):
            stats.reject_rows(int(count), reason)
        self._check_rejected_share(counts, int(total))
        if counts:
            self._list_rejected(end, unknown, rejections)
        for col in ("first_seen", "last_seen"):
            frame[col] = pd.to_datetime(frame[col]).dt.tz_localize("UTC").astype("datetime64[us, UTC]")
        frame = frame.set_index("account_id")
        frame.index = frame.index.astype("string")
        for col in ("event_count", "distinct_users", "distinct_events", "active_days_30", "active_days_90", "events_30", "events_prior_60"):
            frame[col] = frame[col].astype("int64")
        return EventFeatures(frame=frame, max_timestamp=None)

    def _check_rejected_share(self, counts: dict[str, int], total: int) -> None:
        """``--max-rejected`` for the event files together (Segment non-track calls do not count)."""
        limit = self.events.max_rejected
        bad = {r: n for r, n in counts.items() if r != REASON_NOT_TRACK}
        if limit is None or not total or sum(bad.values()) / total <= limit:
            return
        top = max(bad.items(), key=lambda kv: kv[1])[0]
        share = sum(bad.values()) / total
        raise InputDataError(
            f"{sum(bad.values())} of {total} event rows rejected ({share:.1%}, more than --max-rejected {limit:g}); "
            f"most common: {top}",
            file=", ".join(label(f.path) for f in self.events.files),
        )

    def _list_rejected(self, end: dt.datetime, unknown: list[str], rejections: Rejections) -> None:
        """Second pass, only when something was rejected: the rows with their line numbers."""
        self.con.execute("SET preserve_insertion_order=true")
        per_file = []
        for index, ef in enumerate(self.files):
            per_file.append(_source_sql([ef], with_row_number=True, first_index=index))
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW numbered AS {' UNION ALL '.join(per_file)}")
        self.con.register("unknown_accounts", pd.DataFrame({"account_id": pd.Series(unknown, dtype="string")}))
        account = "COALESCE(s.account_id, u.account_id)" if self.has_users else "s.account_id"
        join = "LEFT JOIN users_map u ON s.account_id IS NULL AND s.user_id = u.user_id" if self.has_users else ""
        offset = {i: (2 if ef.format.kind == "csv" else 1) for i, ef in enumerate(self.files)}
        not_track = "s.call_type IS NOT NULL AND s.call_type <> 'track'"
        end_sql = f"TIMESTAMP '{end}'"
        dup = ""
        if self.has_event_id:
            usable = (
                f"(NOT ({not_track}) AND {account} IS NOT NULL AND s.event IS NOT NULL AND s.ts IS NOT NULL "
                f"AND s.ts >= TIMESTAMP '1970-01-01' AND s.ts < {end_sql})"
            )
            # Number duplicates among usable rows only, exactly as the feature query does.
            dup = f"""WHEN s.event_id IS NOT NULL AND {usable}
                      AND row_number() OVER (PARTITION BY s.event_id, {usable} ORDER BY s.ts, s._file, {account}, s.event) > 1
                      THEN '{REASON_DUPLICATE}'"""
        rows = self._sql(
            f"""SELECT * FROM (
                SELECT s._file, s._line,
                    CASE WHEN {not_track} THEN 'type'
                         WHEN {account} IS NULL THEN 'account_id'
                         WHEN s.event IS NULL THEN 'event'
                         WHEN s.ts IS NULL OR s.ts >= {end_sql} OR s.ts < TIMESTAMP '1970-01-01' THEN 'timestamp'
                         ELSE CASE WHEN {account} IN (SELECT account_id FROM unknown_accounts) THEN 'account_id' ELSE 'event_id' END END AS column_name,
                    CASE WHEN {not_track} THEN s.call_type
                         WHEN {account} IS NULL THEN NULL
                         WHEN s.event IS NULL THEN NULL
                         WHEN s.ts IS NULL OR s.ts >= {end_sql} OR s.ts < TIMESTAMP '1970-01-01' THEN s.ts_raw
                         WHEN {account} IN (SELECT account_id FROM unknown_accounts) THEN {account}
                         ELSE s.event_id END AS value,
                    CASE WHEN {not_track} THEN '{REASON_NOT_TRACK}'
                         WHEN {account} IS NULL THEN '{REASON_NO_ACCOUNT}'
                         WHEN s.event IS NULL THEN '{REASON_NO_EVENT}'
                         WHEN s.ts IS NULL THEN '{REASON_BAD_TS}'
                         WHEN s.ts < TIMESTAMP '1970-01-01' THEN '{REASON_BEFORE_1970}'
                         WHEN s.ts >= {end_sql} THEN '{REASON_AFTER}'
                         WHEN {account} IN (SELECT account_id FROM unknown_accounts) THEN '{REASON_UNKNOWN}'
                         {dup}
                    END AS reason
                FROM numbered s {join}
            ) WHERE reason IS NOT NULL ORDER BY _file, _line"""
        ).df()
        self.con.execute("SET preserve_insertion_order=false")
        if len(rows):
            files = [label(ef.path) for ef in self.events.files]
            rejections.add(
                "events",
                rows["_file"].map(lambda i: files[int(i)]),
                rows["_line"].astype("int64") + rows["_file"].map(lambda i: offset[int(i)] - 1),
                rows["column_name"],
                rows["value"],
                rows["reason"],
            )

    def close(self) -> None:
        self.con.close()
        self._workdir.cleanup()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__

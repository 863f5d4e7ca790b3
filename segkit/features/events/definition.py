"""The one definition of the per-account event features, as SQL for every engine.

Both engines (embedded DuckDB in ``events.py``, Apache Spark in ``spark_engine.py``) render these
templates and differ only in a tiny dialect: epoch microseconds of a timestamp, integer division,
microseconds back to a timestamp, and whether a common table expression may be inlined. Every
time bound is an integer number of microseconds computed here, so no timestamp literal syntax and
no session time zone is involved: the features are the same on every engine by construction.

The relations the templates read (each engine defines them over the mapped event files):

- ``scored``: every event row with ``account_id, user_id, event, t, reason``: ``t`` is the event
  time in microseconds since 1970 (UTC), ``reason`` a small integer (``REASON_CODES``; null when
  the row is usable, see ``reason_sql``); de-duplicated by event id when one is mapped.
- ``valid``: the usable rows (``reason IS NULL``).
- ``account_base`` (``account_base_sql``) and ``event_pairs`` (``pairs_sql``): stored once each.

Per run: ``event_pairs`` and ``account_base`` (one pass over the events each), then
``features_sql`` (two more: distinct users, distinct active days) -- four projected scans, like
the fastest reference in ``benchmarks/``.

Distinct counts are separate de-duplicating aggregates joined on the account (``SELECT DISTINCT
account_id, x`` then ``count(*)``), which measured faster and leaner than ``COUNT(DISTINCT x)``
in one ``GROUP BY`` (``benchmarks/README.md``). The per-account aggregate also counts the rejected
rows per reason, so the input accounting costs no extra pass over the events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DAY_US = 86_400_000_000
WEEK_US = 7 * DAY_US

#: Integer reason codes used inside the engines; text in ``events.REASONS``.
REASON_CODES = {
    "not_track": 1,
    "no_account": 2,
    "no_event": 3,
    "bad_ts": 4,
    "before_1970": 5,
    "after": 6,
    "no_subscription": 7,
    "bad_number": 8,
    # rows the file reader could not parse (the engine flags them as ``_bad``; checked first)
    "bad_fields": 9,
    "bad_utf8": 10,
    "bad_json": 11,
}


@dataclass(frozen=True)
class Dialect:
    """The four things the engines spell differently."""

    name: str
    epoch_us: str        # format string with {x}: a timestamp as microseconds since 1970 (UTC)
    idiv: str            # format string with {a} {b}: integer division of non-negative numbers
    from_us: str         # format string with {x}: microseconds -> timestamp (UTC wall time)
    inline_cte: str      # keyword after AS in a CTE so it is not materialised ('' if none)

    def us(self, x: str) -> str:
        return self.epoch_us.format(x=x)

    def div(self, a: str, b: str) -> str:
        return self.idiv.format(a=a, b=b)

    def ts(self, x: str) -> str:
        return self.from_us.format(x=x)


DUCKDB = Dialect("duckdb", "epoch_us({x})", "(({a}) // ({b}))", "make_timestamp({x})", "NOT MATERIALIZED")
# Spark hands times back as microseconds (converted to UTC in Python): no session-time-zone detour.
SPARK = Dialect("spark", "unix_micros({x})", "(({a}) div ({b}))", "{x}", "")


@dataclass(frozen=True)
class Bounds:
    """The time bounds of one run, in microseconds since 1970 (UTC)."""

    end: int     # E: midnight (UTC) after the as-of date, exclusive
    e30: int
    e84: int
    e90: int
    day30: int   # first UTC day number (days since 1970) of the last 30 days

    @classmethod
    def at(cls, as_of: dt.date) -> Bounds:
        end_day = (as_of + dt.timedelta(days=1) - dt.date(1970, 1, 1)).days
        end = end_day * DAY_US
        return cls(end, end - 30 * DAY_US, end - 84 * DAY_US, end - 90 * DAY_US, end_day - 30)


def reason_sql(end: int, *, has_calls: bool, has_subscriptions: bool = False, has_numbers: bool = False,
               has_parse: bool = False) -> str:
    """The rejection reason of a row of canonical columns (first match wins), null when usable.

    ``has_subscriptions``: rows carry ``subscription_id`` (a row with one that reached no account
    says so); ``has_numbers``: rows carry ``bad_number`` (a count, duration or error count that
    is negative or not a number), checked last so a row after as-of is excluded, not rejected;
    ``has_parse``: rows carry ``_bad``, the code of a row the file reader could not parse
    (``bad_fields``, ``bad_utf8``, ``bad_json``), checked first (the Spark engine keeps such rows
    flagged; DuckDB's reader takes them out before, ``duckdb_rejects``).
    """
    codes = REASON_CODES
    parts = []
    if has_parse:
        parts.append("WHEN _bad IS NOT NULL THEN _bad")
    if has_calls:
        parts.append(f"WHEN call_type IS NOT NULL AND call_type <> 'track' THEN {codes['not_track']}")
    if has_subscriptions:
        parts.append(f"WHEN (account_id IS NULL OR account_id = '') AND subscription_id IS NOT NULL "
                     f"THEN {codes['no_subscription']}")
    parts += [
        f"WHEN account_id IS NULL OR account_id = '' THEN {codes['no_account']}",
        f"WHEN event IS NULL OR event = '' THEN {codes['no_event']}",
        f"WHEN t IS NULL THEN {codes['bad_ts']}",
        f"WHEN t < 0 THEN {codes['before_1970']}",
        f"WHEN t >= {end} THEN {codes['after']}",
    ]
    if has_numbers:
        parts.append(f"WHEN bad_number THEN {codes['bad_number']}")
    return "CASE " + " ".join(parts) + " END"


def _events(weighted: bool, cond: str | None = None) -> str:
    """Events (each row's count ``w``) in a group, optionally filtered, as BIGINT.

    ``weighted=False`` (no count column mapped, every ``w`` is 1) gives the same numbers with
    ``count(*)``, whose aggregate state is a quarter of sum()'s 128-bit one: the pair aggregate's
    hash table was the run's memory peak (~90 MiB less at 20M events).
    """
    if not weighted:
        return f"count(*) FILTER (WHERE {cond})" if cond else "count(*)"
    if cond:
        return f"CAST(coalesce(sum(w) FILTER (WHERE {cond}), 0) AS BIGINT)"
    return "CAST(sum(w) AS BIGINT)"


def pairs_sql(b: Bounds, valid: str = "valid", *, weighted: bool = True) -> str:
    """One row per (account, event name): events, events in the last 90 days, first time (us).

    Kept by the engine as ``event_pairs``: it gives ``distinct_events`` and the optional
    ``event_detail`` extra (first use of each event name, breadth in the last 90 days) without
    another pass over the events.
    """
    # A count rather than max(t) for the 90 days: measured leaner (aggregate state) and faster.
    # ``w`` is the row's event count (1 unless a count column is mapped).
    return f"""SELECT account_id, event, {_events(weighted)} AS n,
               {_events(weighted, f't >= {b.e90}')} AS n90,
               min(t) AS first_us
        FROM {valid} GROUP BY account_id, event"""


def account_base_sql(d: Dialect, b: Bounds, scored: str = "scored", *, weighted: bool = True) -> str:
    """Per (account, reason): the additive per-account aggregates, kept by the engine as ``account_base``.

    Grouping by the reason as well counts the rejected rows per reason in the same pass (rows
    without an account fall in the null account's groups), which costs less than one filtered
    count per reason; the usable rows are the groups whose reason is null. ``n`` counts rows (the
    input accounting); the event counts are sums of each row's count ``w``.
    """
    def wsum(cond: str) -> str:
        return _events(weighted, cond)

    week = d.div(f"t - {b.e84}", str(WEEK_US))
    weeks = f"w * {week}" if weighted else week
    return f"""SELECT account_id, reason,
               count(*) AS n,
               {_events(weighted)} AS wn,
               min(t) AS first_us,
               max(t) AS last_us,
               {wsum(f't >= {b.e30}')} AS events_30,
               {wsum(f't >= {b.e90} AND t < {b.e30}')} AS events_prior_60,
               {wsum(f't >= {b.e84}')} AS n84,
               CAST(coalesce(sum({weeks}) FILTER (WHERE t >= {b.e84}), 0) AS BIGINT) AS sum_w,
               sum(duration) AS duration_sum,
               sum(errors) AS errors_sum
        FROM {scored} GROUP BY account_id, reason"""


def rejected_counts_sql(base: str = "account_base") -> str:
    """Rejected rows per reason code, from ``account_base``."""
    return f"SELECT reason, sum(n) AS n FROM {base} WHERE reason IS NOT NULL GROUP BY reason"


def features_sql(d: Dialect, b: Bounds, *, valid: str = "valid", pairs: str = "event_pairs",
                 base: str = "account_base", measures: tuple[str, ...] = ()) -> str:
    """One row per account with a usable event: the features (``FEATURE_COLUMNS``, ``event_rows``).

    ``measures`` (``duration``, ``error_count``: the mapped ones) add their totals and totals per
    active day (``MEASURE_FEATURES``); the active days up to as-of are then one more distinct count.
    """
    inline = f"AS {d.inline_cte} (" if d.inline_cte else "AS ("
    all_days, measure_cols, all_days_join = _measure_parts(d, measures)
    return f"""
    WITH ev {inline}
        SELECT account_id, user_id, t FROM {valid}
    ),
    users AS (
        SELECT account_id, count(*) AS distinct_users
        FROM (SELECT DISTINCT account_id, user_id FROM ev WHERE user_id IS NOT NULL AND user_id <> '') u
        GROUP BY account_id
    ),
    names AS (
        SELECT account_id, count(*) AS distinct_events FROM {pairs} GROUP BY account_id
    ),
    days AS (
        SELECT account_id,
               count(*) FILTER (WHERE day >= {b.day30}) AS active_days_30,
               count(*) AS active_days_90
        FROM (SELECT DISTINCT account_id, {d.div('t', str(DAY_US))} AS day FROM ev WHERE t >= {b.e90}) x
        GROUP BY account_id
    ){all_days}
    SELECT b.account_id AS account_id,
           b.n AS event_rows,
           b.wn AS event_count,
           coalesce(u.distinct_users, 0) AS distinct_users,
           coalesce(n.distinct_events, 0) AS distinct_events,
           {d.ts('b.first_us')} AS first_seen,
           {d.ts('b.last_us')} AS last_seen,
           coalesce(dd.active_days_30, 0) AS active_days_30,
           coalesce(dd.active_days_90, 0) AS active_days_90,
           b.events_30 AS events_30,
           b.events_prior_60 AS events_prior_60,
           CAST(12 * b.sum_w - 66 * b.n84 AS DOUBLE) / 1716.0 AS trend_slope_12w{measure_cols}
    FROM {base} b
    LEFT JOIN users u ON u.account_id = b.account_id
    LEFT JOIN names n ON n.account_id = b.account_id
    LEFT JOIN days dd ON dd.account_id = b.account_id
    {all_days_join}
    WHERE b.reason IS NULL
    ORDER BY b.account_id
    """


def _measure_parts(d: Dialect, measures: tuple[str, ...]) -> tuple[str, str, str]:
    """The CTE of active days up to as-of, the measure columns and the join, for ``features_sql``."""
    if not measures:
        return "", "", ""
    all_days = f""",
    all_days AS (
        SELECT account_id, count(*) AS active_days
        FROM (SELECT DISTINCT account_id, {d.div('t', str(DAY_US))} AS day FROM ev) x
        GROUP BY account_id
    )"""
    columns = ""
    for measure in measures:
        total, per_day, column = MEASURE_FEATURES[measure]
        columns += (f",\n           CAST(b.{column} AS DOUBLE) AS {total},"
                    f"\n           CAST(b.{column} AS DOUBLE) / ad.active_days AS {per_day}")
    return all_days, columns, "LEFT JOIN all_days ad ON ad.account_id = b.account_id"


def top_events_sql(pairs: str = "event_pairs") -> str:
    """The most frequent event names (ties by name), ``LIMIT`` appended by the caller."""
    return f"SELECT event, sum(n) AS total FROM {pairs} GROUP BY event ORDER BY total DESC, event"


def first_used_sql(n_names: int, names_relation: str, pairs: str = "event_pairs") -> str:
    """First use (microseconds) of each chosen event name per account, one column ``c<i>`` per name.

    ``names_relation`` has ``(idx, event)``; the pivot is done by the engine (conditional
    aggregates over the pairs table), so only one row per account comes back.
    """
    columns = ", ".join(f"min(p.first_us) FILTER (WHERE t.idx = {i}) AS c{i}" for i in range(n_names))
    return f"""SELECT p.account_id AS account_id{', ' + columns if columns else ''}
        FROM {pairs} p JOIN {names_relation} t ON t.event = p.event GROUP BY p.account_id"""


def breadth_90_sql(pairs: str = "event_pairs") -> str:
    """Distinct event names used in the last 90 days per account."""
    return f"""SELECT account_id, count(*) AS distinct_events_90 FROM {pairs}
        WHERE n90 > 0 GROUP BY account_id"""


def usage_window_sql(d: Dialect, lo_us: int, hi_us: int, valid: str = "valid") -> str:
    """Events and distinct active days per account in [lo, hi) (the churn model's cut-off window)."""
    return f"""SELECT account_id, CAST(sum(w) AS BIGINT) AS events_90_before_start,
               count(DISTINCT {d.div('t', str(DAY_US))}) AS active_days_90_before_start
        FROM {valid} WHERE t >= {lo_us} AND t < {hi_us} GROUP BY account_id"""


def features_at_views(d: Dialect, b: Bounds, valid: str = "valid", *, weighted: bool = True) -> list[tuple[str, str]]:
    """The relations of the features at an earlier date (``EventEngine.features_at``), in order.

    Rows are the run's usable events (already accounted at as-of) before ``b.end``; the same
    templates as the run's own features then read them, so both engines give the same figures.
    """
    return [
        ("valid_at", f"SELECT * FROM {valid} WHERE t < {b.end}"),
        ("event_pairs_at", pairs_sql(b, "valid_at", weighted=weighted)),
        ("account_base_at", account_base_sql(d, b, "valid_at", weighted=weighted)),
    ]


def features_at_sql(d: Dialect, b: Bounds) -> str:
    """The features at the earlier date plus ``distinct_events_90`` there, over ``features_at_views``."""
    return f"""SELECT f.*, coalesce(x.distinct_events_90, 0) AS distinct_events_90
        FROM ({features_sql(d, b, valid="valid_at", pairs="event_pairs_at", base="account_base_at")}) f
        LEFT JOIN ({breadth_90_sql("event_pairs_at")}) x ON x.account_id = f.account_id"""


FEATURE_COLUMNS = (
    "event_count", "distinct_users", "distinct_events", "first_seen", "last_seen", "active_days_30",
    "active_days_90", "events_30", "events_prior_60", "trend_slope_12w",
)
#: A mapped measure column -> (total feature, per-active-day feature, ``account_base`` column).
MEASURE_FEATURES = {
    "duration": ("duration_secs", "duration_secs_per_active_day", "duration_sum"),
    "error_count": ("error_count", "errors_per_active_day", "errors_sum"),
}
COUNT_COLUMNS = (
    "event_count", "distinct_users", "distinct_events", "active_days_30", "active_days_90", "events_30",
    "events_prior_60",
)


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def first_event_sql(event: str, end_us: int) -> str:
    """First use (microseconds) of one event name per account before ``end_us`` (both dialects)."""
    return (
        "SELECT account_id, min(t) AS first_us FROM resolved "
        f"WHERE account_id IS NOT NULL AND event = {_literal(event)} AND t IS NOT NULL AND t < {int(end_us)} "
        "GROUP BY account_id"
    )


def event_days_sql(end_us: int) -> str:
    """Active UTC days per account before ``end_us``, as day numbers since 1970 (both dialects)."""
    return (
        "SELECT account_id, CAST(floor(t / 86400000000) AS BIGINT) AS day FROM resolved "
        f"WHERE account_id IS NOT NULL AND event IS NOT NULL AND t IS NOT NULL AND t < {int(end_us)} "
        "GROUP BY account_id, CAST(floor(t / 86400000000) AS BIGINT)"
    )

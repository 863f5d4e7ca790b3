"""The one definition of the per-account event features, as SQL for every engine.

Both engines (embedded DuckDB in ``events.py``, Apache Spark in ``spark_engine.py``) render these
templates and differ only in a tiny dialect: epoch microseconds of a timestamp, integer division,
microseconds back to a timestamp, and whether a common table expression may be inlined. Every
time bound is an integer number of microseconds computed here, so no timestamp literal syntax and
no session time zone is involved: the features are the same on every engine by construction.

The relations the templates read (each engine defines them over the mapped event files):

- ``scored``: every event row with ``account_id, user_id, event, ts, reason`` where ``reason`` is a
  small integer (``REASON_CODES``; null when the row is usable), ``ts`` a UTC timestamp.
- ``valid``: the usable rows (``reason IS NULL``), de-duplicated by event id when one is mapped.
- ``event_pairs``: ``pairs_sql`` stored once (one row per account and event name).

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
SPARK = Dialect("spark", "unix_micros({x})", "(({a}) div ({b}))", "timestamp_micros({x})", "")


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


def reason_sql(d: Dialect, end: int, *, has_calls: bool) -> str:
    """The rejection reason of a row of canonical columns (first match wins), null when usable."""
    codes = REASON_CODES
    parts = []
    if has_calls:
        parts.append(f"WHEN call_type IS NOT NULL AND call_type <> 'track' THEN {codes['not_track']}")
    parts += [
        f"WHEN account_id IS NULL OR account_id = '' THEN {codes['no_account']}",
        f"WHEN event IS NULL OR event = '' THEN {codes['no_event']}",
        f"WHEN ts IS NULL THEN {codes['bad_ts']}",
        f"WHEN {d.us('ts')} < 0 THEN {codes['before_1970']}",
        f"WHEN {d.us('ts')} >= {end} THEN {codes['after']}",
    ]
    return "CASE " + " ".join(parts) + " END"


def pairs_sql(d: Dialect, valid: str = "valid") -> str:
    """One row per (account, event name): events, first and last time (microseconds).

    Kept by the engine as ``event_pairs``: it gives ``distinct_events`` and the optional
    ``event_detail`` extra (first use of each event name, breadth in the last 90 days) without
    another pass over the events.
    """
    return f"""SELECT account_id, event, count(*) AS n, min({d.us('ts')}) AS first_us, max({d.us('ts')}) AS last_us
        FROM {valid} GROUP BY account_id, event"""


def features_sql(d: Dialect, b: Bounds, *, base_source: str, base_ok: str | None,
                 valid: str = "valid", pairs: str = "event_pairs") -> str:
    """One row per account seen in ``base_source``, with the features and the rejected counts.

    ``base_source`` is the relation the per-account aggregate reads: ``scored`` (every row, so the
    rejected rows are counted per reason in the same pass; ``base_ok`` = ``reason IS NULL``) or
    ``valid`` (``base_ok`` None: nothing to count there). Rows of accounts with no usable event
    have ``event_count`` 0 and are dropped by the caller after summing the ``rejected_<code>``
    columns.
    """
    ok = f" FILTER (WHERE {base_ok})" if base_ok else ""
    ok_and = f"{base_ok} AND " if base_ok else ""
    rejected = ""
    if base_ok:
        rejected = "".join(
            f", count(*) FILTER (WHERE reason = {code}) AS rejected_{code}" for code in REASON_CODES.values()
        )
    inline = f"AS {d.inline_cte} (" if d.inline_cte else "AS ("
    return f"""
    WITH base_ev {inline}
        SELECT account_id, {d.us('ts')} AS t{', reason' if base_ok else ''} FROM {base_source}
    ),
    ev {inline}
        SELECT account_id, user_id, {d.us('ts')} AS t FROM {valid}
    ),
    base AS (
        SELECT account_id,
               count(*){ok} AS event_count,
               min(t){ok} AS first_us,
               max(t){ok} AS last_us,
               count(*) FILTER (WHERE {ok_and}t >= {b.e30}) AS events_30,
               count(*) FILTER (WHERE {ok_and}t >= {b.e90} AND t < {b.e30}) AS events_prior_60,
               count(*) FILTER (WHERE {ok_and}t >= {b.e84}) AS n84,
               coalesce(sum({d.div(f't - {b.e84}', str(WEEK_US))}) FILTER (WHERE {ok_and}t >= {b.e84}), 0) AS sum_w
               {rejected}
        FROM base_ev GROUP BY account_id
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
    )
    SELECT b.account_id AS account_id,
           b.event_count AS event_count,
           coalesce(u.distinct_users, 0) AS distinct_users,
           coalesce(n.distinct_events, 0) AS distinct_events,
           {d.ts('b.first_us')} AS first_seen,
           {d.ts('b.last_us')} AS last_seen,
           coalesce(dd.active_days_30, 0) AS active_days_30,
           coalesce(dd.active_days_90, 0) AS active_days_90,
           b.events_30 AS events_30,
           b.events_prior_60 AS events_prior_60,
           CAST(12 * b.sum_w - 66 * b.n84 AS DOUBLE) / 1716.0 AS trend_slope_12w
           {''.join(f', b.rejected_{code} AS rejected_{code}' for code in REASON_CODES.values()) if base_ok else ''}
    FROM base b
    LEFT JOIN users u ON u.account_id = b.account_id
    LEFT JOIN names n ON n.account_id = b.account_id
    LEFT JOIN days dd ON dd.account_id = b.account_id
    ORDER BY b.account_id
    """


def top_events_sql(pairs: str = "event_pairs") -> str:
    """The most frequent event names (ties by name), ``LIMIT`` appended by the caller."""
    return f"SELECT event, sum(n) AS total FROM {pairs} GROUP BY event ORDER BY total DESC, event"


def first_used_sql(d: Dialect, names_relation: str, pairs: str = "event_pairs") -> str:
    """First use of each of the chosen event names per account (long form)."""
    return f"""SELECT p.account_id AS account_id, p.event AS event, {d.ts('p.first_us')} AS first_ts
        FROM {pairs} p JOIN {names_relation} t ON t.event = p.event"""


def breadth_90_sql(b: Bounds, pairs: str = "event_pairs") -> str:
    """Distinct event names used in the last 90 days per account."""
    return f"""SELECT account_id, count(*) AS distinct_events_90 FROM {pairs}
        WHERE last_us >= {b.e90} GROUP BY account_id"""


def usage_window_sql(d: Dialect, lo_us: int, hi_us: int, valid: str = "valid") -> str:
    """Events and distinct active days per account in [lo, hi) (the churn model's cut-off window)."""
    return f"""SELECT account_id, count(*) AS events_90_before_start,
               count(DISTINCT {d.div(d.us('ts'), str(DAY_US))}) AS active_days_90_before_start
        FROM {valid} WHERE {d.us('ts')} >= {lo_us} AND {d.us('ts')} < {hi_us} GROUP BY account_id"""


FEATURE_COLUMNS = (
    "event_count", "distinct_users", "distinct_events", "first_seen", "last_seen", "active_days_30",
    "active_days_90", "events_30", "events_prior_60", "trend_slope_12w",
)
COUNT_COLUMNS = (
    "event_count", "distinct_users", "distinct_events", "active_days_30", "active_days_90", "events_30",
    "events_prior_60",
)

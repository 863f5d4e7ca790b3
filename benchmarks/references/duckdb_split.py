#!/usr/bin/env python3
"""Per-account features with DuckDB, distinct counts split into their own aggregates.

Why split: ``count(DISTINCT x)`` inside one big GROUP BY keeps a hash set per
group and per distinct column; writing each distinct count as its own
``SELECT DISTINCT account_id, x`` followed by ``count(*) ... GROUP BY`` lets
DuckDB use its parallel, spillable hash aggregate for every piece. It is the
fastest approach we know (issue #6: 5.96 s, 0.51 GB at 50M events).

Feature definition (shared by all references and segkit): A = --as-of (UTC),
E = A + 1 day 00:00 UTC exclusive; event_count, distinct_users (non-null),
distinct_events, first_seen/last_seen, active_days_30/90 (distinct UTC dates
with ts >= E-30d / E-90d), events_30 (ts >= E-30d), events_prior_60
(E-90d <= ts < E-30d), trend_slope_12w = (12*sum_w - 66*n84)/1716 with
w = floor((ts - (E-84d)) / 7d) over ts >= E-84d; one row per account with an
event before E, sorted by account_id, written as Parquet.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import duckdb

DAY_US = 86_400_000_000
WEEK_US = 7 * DAY_US


def end_us(as_of: dt.date) -> int:
    """E as microseconds since the epoch: midnight UTC after the as-of date."""
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
    return int(end.timestamp()) * 1_000_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=Path, required=True,
                   help="event log: a Parquet file or directory of them, or one .csv[.gz] / "
                        ".jsonl[.gz] file")
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 6, 30),
                   help="as-of date A, UTC (default 2026-06-30)")
    p.add_argument("--out", type=Path, required=True, help="output Parquet file")
    p.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2)")
    p.add_argument("--memory-limit", default="4GB", help="DuckDB memory_limit (default 4GB)")
    return p.parse_args(argv)


#: The four columns with their types, declared so the text readers need no sniffing.
TEXT_COLUMNS = ("{'account_id': 'VARCHAR', 'user_id': 'VARCHAR', 'event': 'VARCHAR', "
                "'timestamp': 'TIMESTAMPTZ'}")


def scan_sql(source: str) -> str:
    """The table function for one events file, chosen by its name (Parquet, CSV, JSON Lines).

    Text formats are read by DuckDB's own readers with the columns declared, as an engineer
    would write the query by hand for a known export: no type sniffing, timestamps parsed once
    by the reader. gzip is recognised from the ``.gz`` suffix.
    """
    src = source.replace("'", "''")
    name = source.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return f"read_csv('{src}', header=true, columns={TEXT_COLUMNS})"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return f"read_json('{src}', format='newline_delimited', columns={TEXT_COLUMNS})"
    return f"read_parquet('{src}')"


def feature_sql(source: str, as_of: dt.date) -> str:
    """The split query; only account_id, user_id, event, timestamp are read."""
    e = end_us(as_of)
    e_ts = (as_of + dt.timedelta(days=1)).isoformat() + " 00:00:00+00"
    e30, e84, e90 = e - 30 * DAY_US, e - 84 * DAY_US, e - 90 * DAY_US
    d30 = e // DAY_US - 30
    # NOT MATERIALIZED: DuckDB materialises a CTE used several times, i.e.
    # keeps all decoded events (0.96 GB vs 0.55-0.65 GB peak at 50M); four
    # projected Parquet scans are cheaper than that.
    return f"""
    WITH ev AS NOT MATERIALIZED (
        SELECT account_id, user_id, event, epoch_us("timestamp") AS t
        FROM {scan_sql(source)}
        WHERE "timestamp" < TIMESTAMPTZ '{e_ts}'
    ),
    base AS (
        SELECT account_id,
               count(*) AS event_count,
               min(t) AS first_us, max(t) AS last_us,
               count(*) FILTER (WHERE t >= {e30}) AS events_30,
               count(*) FILTER (WHERE t >= {e90} AND t < {e30}) AS events_prior_60,
               count(*) FILTER (WHERE t >= {e84}) AS n84,
               coalesce(sum((t - {e84}) // {WEEK_US}) FILTER (WHERE t >= {e84}), 0) AS sum_w
        FROM ev GROUP BY account_id
    ),
    users AS (
        SELECT account_id, count(*) AS distinct_users
        FROM (SELECT DISTINCT account_id, user_id FROM ev WHERE user_id IS NOT NULL)
        GROUP BY account_id
    ),
    names AS (
        SELECT account_id, count(*) AS distinct_events
        FROM (SELECT DISTINCT account_id, event FROM ev)
        GROUP BY account_id
    ),
    days AS (
        SELECT account_id,
               count(*) FILTER (WHERE d >= {d30}) AS active_days_30,
               count(*) AS active_days_90
        FROM (SELECT DISTINCT account_id, t // {DAY_US} AS d FROM ev WHERE t >= {e90})
        GROUP BY account_id
    )
    SELECT b.account_id,
           b.event_count,
           coalesce(u.distinct_users, 0) AS distinct_users,
           n.distinct_events,
           make_timestamptz(b.first_us) AS first_seen,
           make_timestamptz(b.last_us) AS last_seen,
           coalesce(d.active_days_30, 0) AS active_days_30,
           coalesce(d.active_days_90, 0) AS active_days_90,
           b.events_30,
           b.events_prior_60,
           CAST(12 * b.sum_w - 66 * b.n84 AS DOUBLE) / 1716.0 AS trend_slope_12w
    FROM base b
    LEFT JOIN users u USING (account_id)
    LEFT JOIN names n USING (account_id)
    LEFT JOIN days d USING (account_id)
    ORDER BY b.account_id
    """


def run(events: Path, as_of: dt.date, out: Path, threads: int = 2,
        memory_limit: str = "4GB") -> None:
    """Compute the features and write them to ``out`` (Parquet, zstd)."""
    source = str(events / "*.parquet") if events.is_dir() else str(events)
    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET TimeZone = 'UTC'")
    out.parent.mkdir(parents=True, exist_ok=True)
    dest = str(out).replace("'", "''")
    con.execute(f"COPY ({feature_sql(source, as_of)}) TO '{dest}' "
                "(FORMAT parquet, COMPRESSION zstd)")
    con.close()


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    t0 = time.perf_counter()
    run(a.events, a.as_of, a.out, a.threads, a.memory_limit)
    print(f"duckdb_split: {time.perf_counter() - t0:.2f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Prototype (issue #14): how segkit's event step could read CSV / CSV.gz / JSON Lines faster.

Standalone: imports duckdb only (not segkit), and re-states segkit's current SQL for the
canonical four columns (``segkit/features/events.py`` + ``definition.py`` on main, 2026-12-01)
so each lever can be measured alone, as its own process, on the same file:

``today``
    what segkit does now: views over ``read_csv(all_varchar=true, auto_detect=true)`` (JSON:
    ``read_json(columns={k: 'JSON'})`` + ``->> '$'``), trimmed text, the timestamp parsed by the
    ``segkit_ts`` macro, a reason code per row; ``event_pairs`` and ``account_base`` stored in
    an on-disk work database, then the features query (two more scans): the file is parsed
    **four times**; then, because late events were rejected, the listing pass (a fifth scan
    with ``row_number() OVER ()`` under ``preserve_insertion_order``) and the extras.
``today_nolist``
    ``today`` without the listing pass (what the rejected-row listing costs).
``once_mem``
    the lever: **one** scan of the file into a TEMP table of typed columns (``account_id,
    user_id, event`` text, ``t`` microseconds, ``reason`` code, ``line``), then every aggregate
    and the listing (``WHERE reason IS NOT NULL``) read that table. Same parsing rules as today.
``once_mem_noline``
    ``once_mem`` without the line number in the scan (listing would need a second pass then).
``once_disk``
    ``once_mem`` with the table in the work database file (compressed, evictable) instead.
``typed_reader``
    ``once_mem`` but DuckDB's reader parses the timestamp itself (``columns={..., 'timestamp':
    'VARCHAR'}`` with no sniffing, then one ``TRY_CAST``; segkit's epoch fallback only where the
    cast failed).
``reference``
    the bare split query on the same file (``references/duckdb_split.py``), for the ratio.

Every variant writes the feature table (the harness's FEATURE_SCHEMA) so outputs are
cross-checked; the driver runs them round-robin, measured like the harness (wall, CPU, tree
peak RSS), and prints one table:

    python benchmarks/prototypes/text_levers.py --events benchmarks/data/5M/events.csv.gz \
        --repeat 3 [--variants today,once_mem,reference]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH / "references"))

DAY_US = 86_400_000_000
WEEK_US = 7 * DAY_US
VARIANTS = ("today", "today_nolist", "once_mem", "once_mem_noline", "once_disk",
            "typed_reader", "reference")

TS_MACRO = """CREATE OR REPLACE TEMP MACRO segkit_ts(raw) AS COALESCE(
    TRY_CAST(raw AS TIMESTAMPTZ),
    CASE WHEN abs(TRY_CAST(raw AS DOUBLE)) BETWEEN 1e8 AND 1e14 THEN
        to_timestamp(CASE WHEN abs(TRY_CAST(raw AS DOUBLE)) > 1e11 THEN TRY_CAST(raw AS DOUBLE) / 1000
                          ELSE TRY_CAST(raw AS DOUBLE) END)
    END)"""


def bounds(as_of: dt.date) -> dict[str, int]:
    end_day = (as_of + dt.timedelta(days=1) - dt.date(1970, 1, 1)).days
    e = end_day * DAY_US
    return {"end": e, "e30": e - 30 * DAY_US, "e84": e - 84 * DAY_US, "e90": e - 90 * DAY_US,
            "day30": end_day - 30}


def kind_of(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    return "csv" if name.endswith(".csv") else "jsonl"


def _text(expr: str) -> str:
    return f"NULLIF(TRIM(CAST({expr} AS VARCHAR)), '')"


def canonical_sql(path: Path, *, line: bool, typed: bool = False) -> str:
    """The file in canonical columns, as segkit's ``_file_sql`` renders it today."""
    p = "'" + str(path).replace("'", "''") + "'"
    number = ", row_number() OVER () AS _line" if line else ""
    if kind_of(path) == "csv":
        if typed:
            cols = ("{'account_id': 'VARCHAR', 'user_id': 'VARCHAR', 'event': 'VARCHAR', "
                    "'timestamp': 'VARCHAR'}")
            scan = f"read_csv({p}, header=true, columns={cols}, auto_detect=false)"
        else:
            scan = f"read_csv({p}, header=true, all_varchar=true, auto_detect=true)"
        acc, usr, ev = (_text(f'"{c}"') for c in ("account_id", "user_id", "event"))
        raw = 'CAST("timestamp" AS VARCHAR)'
    else:
        cols = "{'account_id': 'JSON', 'event': 'JSON', 'timestamp': 'JSON', 'user_id': 'JSON'}"
        if typed:
            cols = ("{'account_id': 'VARCHAR', 'event': 'VARCHAR', 'timestamp': 'VARCHAR', "
                    "'user_id': 'VARCHAR'}")
            acc, usr, ev = (_text(f'"{c}"') for c in ("account_id", "user_id", "event"))
            raw = '"timestamp"'
        else:
            acc, usr, ev = (_text(f"json_extract(\"{c}\", '$') ->> '$'")
                            for c in ("account_id", "user_id", "event"))
            raw = "(json_extract(\"timestamp\", '$') ->> '$')"
        scan = f"read_json({p}, format='newline_delimited', columns={cols})"
    if typed:
        ts = f"timezone('UTC', COALESCE(TRY_CAST({raw} AS TIMESTAMPTZ), segkit_ts({raw})))"
    else:
        ts = f"timezone('UTC', segkit_ts({raw}))"
    return (f"SELECT {acc} AS account_id, {usr} AS user_id, {ev} AS event, {ts} AS ts, "
            f"epoch_us({ts}) AS t, {raw} AS ts_raw{number} FROM {scan}")


def reason_sql(b: dict[str, int]) -> str:
    return ("CASE WHEN account_id IS NULL OR account_id = '' THEN 2 "
            "WHEN event IS NULL OR event = '' THEN 3 WHEN t IS NULL THEN 4 "
            f"WHEN t < 0 THEN 5 WHEN t >= {b['end']} THEN 6 END")


def pairs_sql(b: dict[str, int], valid: str) -> str:
    return (f"SELECT account_id, event, count(*) AS n, count(*) FILTER (WHERE t >= {b['e90']}) AS n90, "
            f"min(t) AS first_us FROM {valid} GROUP BY account_id, event")


def base_sql(b: dict[str, int], scored: str) -> str:
    return f"""SELECT account_id, reason, count(*) AS n, min(t) AS first_us, max(t) AS last_us,
        count(*) FILTER (WHERE t >= {b['e30']}) AS events_30,
        count(*) FILTER (WHERE t >= {b['e90']} AND t < {b['e30']}) AS events_prior_60,
        count(*) FILTER (WHERE t >= {b['e84']}) AS n84,
        coalesce(sum((t - {b['e84']}) // {WEEK_US}) FILTER (WHERE t >= {b['e84']}), 0) AS sum_w
        FROM {scored} GROUP BY account_id, reason"""


def features_sql(b: dict[str, int], valid: str) -> str:
    return f"""
    WITH ev AS NOT MATERIALIZED (SELECT account_id, user_id, t FROM {valid}),
    users AS (SELECT account_id, count(*) AS distinct_users FROM
        (SELECT DISTINCT account_id, user_id FROM ev WHERE user_id IS NOT NULL AND user_id <> '')
        GROUP BY account_id),
    names AS (SELECT account_id, count(*) AS distinct_events FROM event_pairs GROUP BY account_id),
    days AS (SELECT account_id, count(*) FILTER (WHERE day >= {b['day30']}) AS active_days_30,
        count(*) AS active_days_90 FROM
        (SELECT DISTINCT account_id, t // {DAY_US} AS day FROM ev WHERE t >= {b['e90']})
        GROUP BY account_id)
    SELECT b.account_id, b.n AS event_count, coalesce(u.distinct_users, 0) AS distinct_users,
        coalesce(n.distinct_events, 0) AS distinct_events,
        make_timestamptz(b.first_us) AS first_seen, make_timestamptz(b.last_us) AS last_seen,
        coalesce(dd.active_days_30, 0) AS active_days_30,
        coalesce(dd.active_days_90, 0) AS active_days_90,
        b.events_30, b.events_prior_60,
        CAST(12 * b.sum_w - 66 * b.n84 AS DOUBLE) / 1716.0 AS trend_slope_12w
    FROM account_base b LEFT JOIN users u USING (account_id) LEFT JOIN names n USING (account_id)
    LEFT JOIN days dd USING (account_id) WHERE b.reason IS NULL ORDER BY b.account_id"""


def extras(con: "duckdb.DuckDBPyConnection") -> None:  # noqa: F821
    """The behavioral extras' queries (all on event_pairs): top names, first use, breadth."""
    names = [r[0] for r in con.execute(
        "SELECT event, sum(n) AS total FROM event_pairs GROUP BY event ORDER BY total DESC, event "
        "LIMIT 20").fetchall()]
    cols = ", ".join(f"min(first_us) FILTER (WHERE event = '{n}') AS c{i}" for i, n in enumerate(names))
    con.execute(f"SELECT account_id, {cols} FROM event_pairs GROUP BY account_id").df()
    con.execute("SELECT account_id, count(*) FROM event_pairs WHERE n90 > 0 GROUP BY account_id").df()


def run_variant(variant: str, events: Path, as_of: dt.date, out: Path, threads: int) -> dict:
    import duckdb  # noqa: PLC0415
    if variant == "reference":
        import duckdb_split  # noqa: PLC0415
        duckdb_split.run(events, as_of, out, threads)
        return {}
    b = bounds(as_of)
    work = tempfile.TemporaryDirectory(prefix="proto-")
    con = duckdb.connect(str(Path(work.name) / "events.duckdb"), config={"threads": threads})
    for stmt in ("SET memory_limit='4GB'", f"SET temp_directory='{work.name}/spill'",
                 "SET TimeZone='UTC'", "SET preserve_insertion_order=false", TS_MACRO):
        con.execute(stmt)
    timings: dict[str, float] = {}

    def step(name: str, sql: str) -> None:
        t0 = time.perf_counter()
        con.execute(sql)
        timings[name] = round(time.perf_counter() - t0, 3)

    if variant.startswith("today"):
        con.execute(f"CREATE TEMP VIEW src AS {canonical_sql(events, line=False)}")
        con.execute(f"CREATE TEMP VIEW scored AS SELECT *, {reason_sql(b)} AS reason FROM src")
        con.execute("CREATE TEMP VIEW valid AS SELECT * FROM scored WHERE reason IS NULL")
        step("pairs", f"CREATE TABLE event_pairs AS {pairs_sql(b, 'valid')}")
        step("base", f"CREATE TABLE account_base AS {base_sql(b, 'scored')}")
        t0 = time.perf_counter()
        frame = con.execute(features_sql(b, "valid")).to_arrow_table()
        timings["features"] = round(time.perf_counter() - t0, 3)
        if variant == "today":
            t0 = time.perf_counter()
            con.execute("SET preserve_insertion_order=true")
            numbered = (f"SELECT * FROM ({canonical_sql(events, line=True)}) "
                        f"WHERE (ts >= make_timestamp({b['end']}))")
            rows = con.execute(f"""SELECT _line, reason, ts_raw FROM
                (SELECT *, {reason_sql(b)} AS reason FROM ({numbered})) WHERE reason IS NOT NULL
                ORDER BY _line""").df()
            con.execute("SET preserve_insertion_order=false")
            timings["listing"] = round(time.perf_counter() - t0, 3)
            timings["rejected_listed"] = len(rows)
    else:
        line = variant != "once_mem_noline"
        temp = "" if variant == "once_disk" else "TEMP "
        if line:
            con.execute("SET preserve_insertion_order=true")
        src = canonical_sql(events, line=line, typed=variant == "typed_reader")
        step("scan", f"""CREATE {temp}TABLE ev AS SELECT account_id, user_id, event, t,
            {reason_sql(b)} AS reason{', _line, ts_raw' if line else ''} FROM ({src})""")
        con.execute("SET preserve_insertion_order=false")
        con.execute("CREATE TEMP VIEW valid AS SELECT * FROM ev WHERE reason IS NULL")
        step("pairs", f"CREATE {temp}TABLE event_pairs AS {pairs_sql(b, 'valid')}")
        step("base", f"CREATE {temp}TABLE account_base AS {base_sql(b, 'ev')}")
        t0 = time.perf_counter()
        frame = con.execute(features_sql(b, "valid")).to_arrow_table()
        timings["features"] = round(time.perf_counter() - t0, 3)
        if line:
            t0 = time.perf_counter()
            rows = con.execute("SELECT _line, reason, ts_raw FROM ev WHERE reason IS NOT NULL "
                               "ORDER BY _line").df()
            timings["listing"] = round(time.perf_counter() - t0, 3)
            timings["rejected_listed"] = len(rows)
    t0 = time.perf_counter()
    extras(con)
    timings["extras"] = round(time.perf_counter() - t0, 3)
    import pyarrow.parquet as pq  # noqa: PLC0415
    # ORDER BY is in the query, but the Arrow fetch does not keep it with
    # preserve_insertion_order=false (segkit fetches with .df() and sorts again in pandas).
    pq.write_table(frame.sort_by("account_id"), out)
    con.close()
    work.cleanup()
    return timings


def drive(a: argparse.Namespace) -> int:
    from harness import compare_tables, fmt_rss, load_features, loadavg  # noqa: PLC0415
    from measure import run_measured  # noqa: PLC0415
    variants = [v.strip() for v in a.variants.split(",") if v.strip()]
    run_dir = a.run_dir / a.events.name
    run_dir.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list] = {v: [] for v in variants}
    print(f"load average at start: {loadavg()}")
    for rep in range(a.repeat):
        for v in variants:
            out = run_dir / f"{v}.parquet"
            out.unlink(missing_ok=True)
            argv = [sys.executable, __file__, "--child", v, "--events", str(a.events),
                    "--as-of", a.as_of.isoformat(), "--out", str(out), "--threads", str(a.threads)]
            m = run_measured(argv, run_dir / f"{v}.log", 3600, dict(os.environ))
            log = (run_dir / f"{v}.log").read_text()
            steps = json.loads(log.strip().splitlines()[-1]) if m.returncode == 0 and v != "reference" else {}
            runs[v].append((m, steps))
            print(f"  run {rep + 1} {v}: exit {m.returncode} {m.wall_s:.2f}s "
                  f"{fmt_rss(m.tree_rss_kib)} {steps} (load {loadavg()})", flush=True)
    ref = np.median([m.wall_s for m, _ in runs["reference"]]) if "reference" in runs else None
    base = load_features(run_dir / f"{variants[0]}.parquet")
    print(f"\n{a.events.name}, median of {a.repeat}, load now {loadavg()}")
    print(f"{'variant':16} {'median s':>8} {'cpu s':>7} {'tree peak':>10} {'x ref':>6} {'x today':>7}  same output  steps (median s)")
    today = np.median([m.wall_s for m, _ in runs["today"]]) if "today" in runs else None
    result = {}
    for v in variants:
        wall = float(np.median([m.wall_s for m, _ in runs[v]]))
        cpu = float(np.median([m.user_s + m.sys_s for m, _ in runs[v]]))
        peak = max(m.tree_rss_kib for m, _ in runs[v])
        keys = runs[v][0][1].keys()
        steps = {k: float(np.median([s.get(k, 0) for _, s in runs[v]])) for k in keys}
        same = not compare_tables(base, load_features(run_dir / f"{v}.parquet"))
        print(f"{v:16} {wall:8.2f} {cpu:7.2f} {fmt_rss(peak):>10} "
              f"{wall / ref if ref else float('nan'):6.2f} {wall / today if today else float('nan'):7.2f}  "
              f"{'yes' if same else 'NO':11}  {steps}")
        result[v] = {"wall_s": wall, "cpu_s": cpu, "tree_peak_kib": peak, "steps": steps,
                     "same_output": same, "runs": [m.wall_s for m, _ in runs[v]]}
    (run_dir / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=Path, required=True)
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 6, 30))
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--run-dir", type=Path, default=BENCH / "data" / "runs" / "prototypes")
    p.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        timings = run_variant(a.child, a.events, a.as_of, a.out, a.threads)
        print(json.dumps(timings))
        return 0
    print("command:", shlex.join([Path(sys.executable).name, *sys.argv]))
    return drive(a)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Where a whole `segkit segment` run spends its time (issue #14): stages, queries, top functions.

Runs the CLI in this process (``segkit.cli.main(argv)``) under cProfile, with wall-clock timers
wrapped around the stage functions of the current layout (looked up by dotted name; a name that
no longer exists is reported as missing, not an error, so the script survives the issue-9
moves with a changed ``STAGES`` list). Every DuckDB statement the event engine runs through
``EventEngine._sql`` is timed with its progress label and the start of its SQL. Import time is
measured first (``import segkit.cli``), so ``total - imports`` is the run itself.

    python benchmarks/profile_run.py --json out.json -- segment --events E --accounts A \\
        --subscriptions S --by behavioral --as-of 2026-06-30 --out DIR

Timers nest (``features`` contains ``EventEngine.features`` contains its queries); the report
prints each with its own wall seconds, calls, and the share of the whole run.
"""
from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import io
import json
import pstats
import sys
import time
from pathlib import Path
from typing import Any, Callable

#: (label, "module:attribute.path") of the functions timed, in pipeline order.
STAGES: list[tuple[str, str]] = [
    ("load (all inputs)", "segkit.loading.loader:load_inputs"),
    ("  read one file", "segkit.loading.loader:_load_file"),
    ("  read csv (pyarrow)", "segkit.loading.readers:read_csv_table"),
    ("features stage (features_for)", "segkit.jobs.stages:features_for"),
    ("  event engine: open (views)", "segkit.features.events.duckdb:DuckDBEngine._open"),
    ("  event engine: max timestamp", "segkit.features.events.duckdb:DuckDBEngine.max_timestamp"),
    ("  build_features", "segkit.features.build:build_features"),
    ("    billing_source", "segkit.features.billing.source:billing_source"),
    ("    event features (engine)", "segkit.features.events.duckdb:DuckDBEngine.features"),
    ("      text files parsed once (scan_rows)", "segkit.features.events.duckdb:DuckDBEngine._scan_text_once"),
    ("      list rejected rows", "segkit.features.events.duckdb:DuckDBEngine._list_rejected"),
    ("    billing_facts", "segkit.features.billing.subscriptions:billing_facts"),
    ("    paying_subscriptions", "segkit.features.billing.subscriptions:paying_subscriptions"),
    ("    movement_facts", "segkit.features.billing.movements:movement_facts"),
    ("    add_extras (behavioral extras)", "segkit.features.extra:add_extras"),
    ("      event_detail queries", "segkit.features.events.duckdb:DuckDBEngine.event_detail"),
    ("  add_value_features", "segkit.features.value.fits:add_value_features"),
    ("    renewal_facts", "segkit.features.billing.renewals:renewal_facts"),
    ("  event engine: close", "segkit.features.events.duckdb:DuckDBEngine.close"),
    ("paying_spells (all calls)", "segkit.features.billing.subscriptions:paying_spells"),
    ("mrr_at (all calls: movements, cohorts)", "segkit.features.billing.movements:mrr_at"),
    ("cohort_matrix_for", "segkit.jobs.segment:cohort_matrix_for"),
    ("survival (per segmentation)", "segkit.jobs.segment:_survival_of"),
    ("compute_metrics", "segkit.metrics.compute:compute_metrics"),
    ("  CLV bootstrap intervals", "segkit.metrics.clv:add_intervals"),
    ("segment_quality", "segkit.metrics.quality:segment_quality"),
    ("write_outputs", "segkit.writers.outdir:write_outputs"),
]


class Timers:
    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.queries: list[dict[str, Any]] = []
        self.missing: list[str] = []

    def add(self, label: str, seconds: float) -> None:
        self.wall[label] = self.wall.get(label, 0.0) + seconds
        self.calls[label] = self.calls.get(label, 0) + 1


def _resolve(target: str) -> tuple[Any, str, Any]:
    module_name, _, path = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    parts = path.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part)
    return owner, parts[-1], getattr(owner, parts[-1])


def _timed(label: str, fn: Callable[..., Any], timers: Timers) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            timers.add(label, time.perf_counter() - t0)
    return wrapper


def install(timers: Timers) -> None:
    """Wrap every STAGES function, and the engine's statement runner, with a timer."""
    for label, target in STAGES:
        try:
            owner, name, fn = _resolve(target)
        except (ImportError, AttributeError):
            timers.missing.append(target)
            continue
        wrapped = _timed(label, fn, timers)
        setattr(owner, name, wrapped)
        # a module that already did `from x import fn` calls its own binding: wrap that too
        for module in list(sys.modules.values()):
            if getattr(module, "__name__", "").startswith("segkit") and getattr(module, name, None) is fn:
                setattr(module, name, wrapped)
    try:
        owner, name, sql_fn = _resolve("segkit.features.events.duckdb:DuckDBEngine._sql")
    except (ImportError, AttributeError):
        timers.missing.append("EventEngine._sql")
        return

    @functools.wraps(sql_fn)
    def sql(self: Any, text: str, params: Any = None, *, what: str | None = None) -> Any:
        t0 = time.perf_counter()
        try:
            return sql_fn(self, text, params, what=what)
        finally:
            head = " ".join(text.split())[:90]
            timers.queries.append({"what": what or "", "sql": head,
                                   "seconds": round(time.perf_counter() - t0, 3)})
    setattr(owner, name, sql)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--json", type=Path, help="write the stage times and top functions here")
    p.add_argument("--top", type=int, default=25, help="functions listed (default 25)")
    p.add_argument("--pstats", type=Path, help="also dump the raw cProfile stats here")
    p.add_argument("cli", nargs=argparse.REMAINDER, help="-- then the segkit arguments")
    a = p.parse_args(argv)
    cli_args = a.cli[1:] if a.cli[:1] == ["--"] else a.cli
    t_start = time.perf_counter()
    import segkit.cli as cli  # noqa: PLC0415  (timed: this is the import cost)
    imports = time.perf_counter() - t_start
    timers = Timers()
    install(timers)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    try:
        code = cli.main(cli_args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    prof.disable()
    run_s = time.perf_counter() - t0
    total = imports + run_s
    if a.pstats:
        prof.dump_stats(str(a.pstats))
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(a.top)
    cum = buf.getvalue()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(a.top)
    tot = buf.getvalue()
    print(f"\nexit {code}; imports {imports:.2f}s, run {run_s:.2f}s, total {total:.2f}s "
          "(cProfile overhead included; the engine's queries are C time and barely affected)")
    print(f"{'stage':44} {'wall s':>8} {'calls':>6} {'share':>6}")
    for label, _ in STAGES:
        if label in timers.wall:
            print(f"{label:44} {timers.wall[label]:8.2f} {timers.calls[label]:6d} "
                  f"{timers.wall[label] / total:6.1%}")
    print("\nDuckDB statements through EventEngine._sql:")
    for q in timers.queries:
        print(f"  {q['seconds']:7.2f}s  {q['what'] or '-':28} {q['sql']}")
    if timers.missing:
        print(f"\n(not found, not timed: {', '.join(timers.missing)})")
    print("\n--- top by cumulative time ---\n" + cum[cum.find("ncalls") - 50:])
    print("\n--- top by own time ---\n" + tot[tot.find("ncalls") - 50:])
    if a.json:
        a.json.write_text(json.dumps({
            "argv": cli_args, "exit": code, "imports_s": round(imports, 3),
            "run_s": round(run_s, 3), "total_s": round(total, 3),
            "stages": {k: {"wall_s": round(v, 3), "calls": timers.calls[k]}
                       for k, v in timers.wall.items()},
            "queries": timers.queries, "missing": timers.missing,
            "top_cumulative": cum, "top_own": tot,
        }, indent=2) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main())

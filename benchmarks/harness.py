#!/usr/bin/env python3
"""Benchmark harness for per-account feature computation (issue #6).

For each size it generates the data set if missing (``generate.py``, seeded),
runs every implementation as its own subprocess -- so wall time and peak RSS
(``os.wait4`` rusage, ``ru_maxrss`` KiB) belong to that process alone --,
checks that all feature tables agree (exact for counts and timestamps, 1e-9
relative for floats; any difference fails the run with exit code 1), prints
one table per size with ratios to the fastest reference, and writes
``<data-dir>/results-<size>.json``.

Implementations are command lines in :data:`IMPLEMENTATIONS` (add more with
``--add NAME=CMD``). Placeholders: {python} {bench} {events} {accounts}
{accounts_parquet} {subscriptions} {as_of} {out} {outdir} {threads}
{memory_limit} {segkit}. An entry whose module / probe command is not
available in the target interpreter is skipped with a note.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from generate import GENERATOR_VERSION, parse_size, size_label  # noqa: E402

#: Canonical output schema every feature implementation must produce.
FEATURE_SCHEMA = pa.schema([
    ("account_id", pa.string()),
    ("event_count", pa.int64()),
    ("distinct_users", pa.int64()),
    ("distinct_events", pa.int64()),
    ("first_seen", pa.timestamp("us", tz="UTC")),
    ("last_seen", pa.timestamp("us", tz="UTC")),
    ("active_days_30", pa.int64()),
    ("active_days_90", pa.int64()),
    ("events_30", pa.int64()),
    ("events_prior_60", pa.int64()),
    ("trend_slope_12w", pa.float64()),
])
FLOAT_RTOL = 1e-9
FLOAT_ATOL = 1e-12  # so 0.0 vs 1e-17 from a different slope formula passes


@dataclass(frozen=True)
class Impl:
    """One benchmarked implementation, defined by its command line.

    ``kind`` is ``reference`` (ratios are taken against the fastest of these),
    ``candidate`` (segkit's feature step) or ``pipeline`` (whole CLI run).
    ``compare`` says whether ``{out}`` is a feature table to cross-check.
    """

    name: str
    argv: tuple[str, ...]
    kind: str = "reference"
    compare: bool = True
    requires_modules: tuple[str, ...] = ()
    probe: tuple[str, ...] = ()          # command that must exit 0, else skip
    max_events: int | None = None        # skip above this size (unless --no-size-limits)
    note: str = ""


COMMON = ("--events", "{events}", "--as-of", "{as_of}", "--out", "{out}")

IMPLEMENTATIONS: list[Impl] = [
    Impl("duckdb_split",
         ("{python}", "{bench}/references/duckdb_split.py", *COMMON,
          "--threads", "{threads}", "--memory-limit", "{memory_limit}"),
         requires_modules=("duckdb",)),
    Impl("polars_streaming",
         ("{python}", "{bench}/references/polars_streaming.py", *COMMON, "--threads", "{threads}"),
         requires_modules=("polars",)),
    Impl("pandas_plain",
         ("{python}", "{bench}/references/pandas_plain.py", *COMMON),
         requires_modules=("pandas", "pyarrow"), max_events=50_000_000,
         note="loads every event into memory; does not fit above 50M"),
    Impl("segkit_features",
         ("{python}", "-m", "segkit.features.events.bench_entry", *COMMON),
         kind="candidate", requires_modules=("segkit.features.events.bench_entry",),
         note="segkit's feature step"),
    Impl("segkit_spark",
         ("{python}", "-m", "segkit.features.events.bench_entry", *COMMON, "--engine", "spark",
          "--spark-master", "local[{threads}]"),
         kind="candidate", requires_modules=("segkit.features.events.bench_entry", "pyspark"),
         max_events=20_000_000,
         note="segkit's feature step on Spark local[threads]; cpu s and RSS exclude the JVM (not a waited child)"),
    Impl("segkit_segment",
         ("{segkit}", "segment", "--events", "{events}", "--accounts", "{accounts}",
          "--subscriptions", "{subscriptions}", "--by", "behavioral",
          "--as-of", "{as_of}", "--out", "{outdir}"),
         kind="pipeline", compare=False, requires_modules=("segkit.cli",),
         probe=("{segkit}", "segment", "--help"),
         note="whole `segkit segment --by behavioral` run; output not compared"),
]

_PROBE_MODULE = (
    "import importlib.util, sys\n"
    "for m in sys.argv[1:]:\n"
    "    try:\n"
    "        ok = importlib.util.find_spec(m) is not None\n"
    "    except (ImportError, ValueError):\n"
    "        ok = False\n"
    "    if not ok:\n"
    "        print(m); sys.exit(1)\n"
)


@dataclass
class Run:
    """One measured subprocess run."""

    impl: str
    repeat: int
    returncode: int
    wall_s: float
    user_s: float
    sys_s: float
    maxrss_kib: int
    log: str


@dataclass
class Summary:
    """Best-of-repeats row of the printed table."""

    impl: str
    kind: str
    status: str                          # ok | failed | skipped
    note: str = ""
    wall_s: float | None = None          # best (minimum) wall time over repeats
    wall_s_median: float | None = None
    cpu_s: float | None = None           # user+sys of the best run
    maxrss_kib: int | None = None        # largest peak RSS over repeats
    events_per_s: float | None = None
    wall_ratio: float | None = None      # vs fastest reference
    rss_ratio: float | None = None       # vs that same reference
    runs: list[Run] = field(default_factory=list)


# ---------------------------------------------------------------------------
# machine / environment


def machine_info(python: str) -> dict[str, Any]:
    """nproc, memory and CPU model (for README tables), plus engine versions."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    code = ("import importlib.metadata as m, json, sys\n"
            "v = {}\n"
            "for p in ['duckdb','polars','pandas','pyarrow','numpy','segkit']:\n"
            "    try: v[p] = m.version(p)\n"
            "    except m.PackageNotFoundError: v[p] = None\n"
            "v['python'] = sys.version.split()[0]\n"
            "print(json.dumps(v))")
    try:
        versions = json.loads(subprocess.run([python, "-c", code], capture_output=True,
                                             text=True, check=True).stdout)
    except (subprocess.CalledProcessError, json.JSONDecodeError, OSError):
        versions = {}
    return {"nproc": os.cpu_count(), "cpu_model": cpu,
            "mem_total_gib": round(mem_kib / 2**20, 1), "platform": platform.platform(),
            "versions": versions}


def availability(impl: Impl, python: str, subs: dict[str, str]) -> str | None:
    """None if the implementation can run, else the reason it is skipped."""
    if impl.requires_modules:
        r = subprocess.run([python, "-c", _PROBE_MODULE, *impl.requires_modules],
                           capture_output=True, text=True)
        if r.returncode != 0:
            missing = r.stdout.strip() or "?"
            return f"module {missing!r} not importable with {python}"
    if impl.probe:
        argv = [a.format(**subs) for a in impl.probe]
        if not argv[0]:
            return (f"no `segkit` console script next to {python} or on PATH "
                    "(pip install -e the repo into that environment)")
        if (os.sep not in argv[0] and shutil.which(argv[0]) is None) \
                or (os.sep in argv[0] and not os.access(argv[0], os.X_OK)):
            return f"command {argv[0]!r} not found"
        try:
            r = subprocess.run(argv, capture_output=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"probe {' '.join(argv)!r} failed: {exc}"
        if r.returncode != 0:
            return f"probe {' '.join(argv)!r} exited {r.returncode}"
    return None


def find_segkit(python: str) -> str:
    """The ``segkit`` console script belonging to ``python`` (or on PATH)."""
    cand = Path(python).parent / "segkit"
    if cand.exists():
        return str(cand)
    return shutil.which("segkit") or ""


# ---------------------------------------------------------------------------
# data


def ensure_data(n_events: int, seed: int, as_of: dt.date, data_dir: Path,
                gen_python: str) -> tuple[Path, dict[str, Any], float | None]:
    """Generate the data set unless a matching manifest is already there."""
    out = data_dir / size_label(n_events)
    mpath = out / "manifest.json"
    want = {"generator_version": GENERATOR_VERSION, "seed": seed, "events": n_events,
            "as_of": as_of.isoformat()}
    if mpath.exists() and (out / "events.parquet").exists():
        manifest = json.loads(mpath.read_text())
        if all(manifest.get(k) == v for k, v in want.items()):
            return out, manifest, None
        print(f"[{out.name}] manifest differs from {want}; regenerating")
    print(f"[{out.name}] generating {n_events:,} events (seed {seed}) ...", flush=True)
    t0 = time.perf_counter()
    subprocess.run([gen_python, str(BENCH_DIR / "generate.py"), "--events", str(n_events),
                    "--seed", str(seed), "--as-of", as_of.isoformat(), "--out", str(out)],
                   check=True)
    secs = time.perf_counter() - t0
    print(f"[{out.name}] generated in {secs:.1f}s", flush=True)
    return out, json.loads(mpath.read_text()), secs


def warm_page_cache(path: Path) -> None:
    """Read the file once so every implementation starts from a warm cache."""
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


# ---------------------------------------------------------------------------
# running


def run_measured(argv: list[str], log_path: Path, timeout: float,
                 env: dict[str, str]) -> tuple[int, float, Any]:
    """Run ``argv``; return (exit code, wall seconds, rusage of that child).

    ``os.wait4`` gives the rusage of exactly this child (and its reaped
    descendants), so ``ru_maxrss`` is its own peak RSS, unlike
    ``RUSAGE_CHILDREN`` which is a max over every child the harness ever had.
    """
    with open(log_path, "wb") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, wall, ru


# ---------------------------------------------------------------------------
# checking


def load_features(path: Path) -> pa.Table:
    """Read an implementation's output and cast it to :data:`FEATURE_SCHEMA`."""
    t = pq.read_table(path)
    missing = [f.name for f in FEATURE_SCHEMA if f.name not in t.column_names]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    return t.select(FEATURE_SCHEMA.names).cast(FEATURE_SCHEMA)


def compare_tables(base: pa.Table, other: pa.Table, max_report: int = 5) -> list[str]:
    """Differences between two feature tables (empty list = identical)."""
    problems: list[str] = []
    ids = other["account_id"].to_numpy(zero_copy_only=False)
    if len(ids) > 1 and not bool(np.all(ids[:-1] < ids[1:])):
        problems.append("rows are not sorted by account_id (or ids repeat)")
        order = np.argsort(ids, kind="stable")
        other = other.take(pa.array(order))
    if base.num_rows != other.num_rows:
        a = set(base["account_id"].to_pylist())
        b = set(other["account_id"].to_pylist())
        problems.append(f"row count {other.num_rows} != {base.num_rows}; "
                        f"missing e.g. {sorted(a - b)[:max_report]}, "
                        f"extra e.g. {sorted(b - a)[:max_report]}")
        return problems
    for f in FEATURE_SCHEMA:
        x, y = base[f.name], other[f.name]
        if f.name == "account_id":
            xa = x.to_numpy(zero_copy_only=False)
            ya = y.to_numpy(zero_copy_only=False)
            bad = np.flatnonzero(xa != ya)
        elif pa.types.is_floating(f.type):
            xa = x.to_numpy(zero_copy_only=False).astype(np.float64)
            ya = y.to_numpy(zero_copy_only=False).astype(np.float64)
            bad = np.flatnonzero(~np.isclose(ya, xa, rtol=FLOAT_RTOL, atol=FLOAT_ATOL,
                                             equal_nan=True))
        else:
            xa = x.cast(pa.int64()).to_numpy(zero_copy_only=False)
            ya = y.cast(pa.int64()).to_numpy(zero_copy_only=False)
            xn = x.is_null().to_numpy(zero_copy_only=False)
            yn = y.is_null().to_numpy(zero_copy_only=False)
            bad = np.flatnonzero((xn != yn) | (~xn & (np.nan_to_num(xa) != np.nan_to_num(ya))))
        if len(bad):
            acc = base["account_id"]
            ex = [(acc[int(i)].as_py(), str(x[int(i)].as_py()), str(y[int(i)].as_py()))
                  for i in bad[:max_report]]
            problems.append(f"{f.name}: {len(bad)} rows differ, e.g. (account, expected, got) {ex}")
    return problems


# ---------------------------------------------------------------------------
# reporting


def fmt_rss(kib: int | None) -> str:
    if kib is None:
        return "-"
    return f"{kib / 2**20:.2f} GiB" if kib >= 2**20 else f"{kib / 1024:.0f} MiB"


def print_table(label: str, n_events: int, rows: list[Summary]) -> None:
    """Fixed-width table; ratios are relative to the fastest reference."""
    head = ["implementation", "kind", "wall s", "median s", "cpu s", "peak RSS", "events/s",
            "x wall", "x RSS", "status"]
    body = []
    for s in rows:
        body.append([
            s.impl, s.kind,
            f"{s.wall_s:.2f}" if s.wall_s is not None else "-",
            f"{s.wall_s_median:.2f}" if s.wall_s_median is not None else "-",
            f"{s.cpu_s:.2f}" if s.cpu_s is not None else "-",
            fmt_rss(s.maxrss_kib),
            f"{s.events_per_s / 1e6:.2f}M" if s.events_per_s else "-",
            f"{s.wall_ratio:.2f}" if s.wall_ratio is not None else "-",
            f"{s.rss_ratio:.2f}" if s.rss_ratio is not None else "-",
            s.status,
        ])
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h)
              for i, h in enumerate(head)]
    print(f"\n== {label}: {n_events:,} events ==")
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip())
    print("  ".join("-" * w for w in widths))
    for r in body:
        print("  ".join(c.ljust(w) if i in (0, 1, 9) else c.rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    for s in rows:
        if s.status != "ok" and s.note:
            print(f"  {s.impl} {s.status}: {s.note}")


# ---------------------------------------------------------------------------


def parse_add(spec: str) -> Impl:
    """``NAME=COMMAND`` (shell-quoted, placeholders allowed) -> a candidate Impl."""
    name, sep, cmd = spec.partition("=")
    if not sep or not name or not cmd:
        raise argparse.ArgumentTypeError(f"--add wants NAME=COMMAND, got {spec!r}")
    return Impl(name.strip(), tuple(shlex.split(cmd)), kind="candidate",
                note="added with --add")


def bench_size(n_events: int, impls: list[Impl], a: argparse.Namespace,
               command: str) -> bool:
    """Benchmark one size; returns False if outputs disagree or a run failed."""
    load_start = os.getloadavg()
    if load_start[0] > 0.5 * (os.cpu_count() or 1):
        print(f"warning: 1-min load average {load_start[0]:.2f} before starting; "
              "timings will be noisy (other work on this machine)")
    data, manifest, gen_s = ensure_data(n_events, a.seed, a.as_of, a.data_dir, a.gen_python)
    label = size_label(n_events)
    run_dir = a.data_dir / "runs" / label
    run_dir.mkdir(parents=True, exist_ok=True)
    events = data / "events.parquet"
    segkit = find_segkit(a.python)
    base_subs = {
        "python": a.python, "bench": str(BENCH_DIR), "events": str(events),
        "accounts": str(data / "accounts.csv"),
        "accounts_parquet": str(data / "accounts.parquet"),
        "subscriptions": str(data / "subscriptions.csv"), "as_of": a.as_of.isoformat(),
        "threads": str(a.threads), "memory_limit": a.memory_limit, "segkit": segkit,
    }
    env = dict(os.environ)
    env.update({"POLARS_MAX_THREADS": str(a.threads), "OMP_NUM_THREADS": str(a.threads),
                "PYTHONHASHSEED": "0"})

    summaries: dict[str, Summary] = {}
    runnable: list[Impl] = []
    for impl in impls:
        s = Summary(impl.name, impl.kind, "skipped", impl.note)
        summaries[impl.name] = s
        if impl.max_events is not None and n_events > impl.max_events and not a.no_size_limits:
            s.note = f"skipped above {size_label(impl.max_events)} events: {impl.note}"
            print(f"[{label}] note: {impl.name} {s.note}")
            continue
        why = availability(impl, a.python, {**base_subs, "out": "", "outdir": ""})
        if why:
            s.note = why
            print(f"[{label}] note: skipping {impl.name}: {why}")
            continue
        runnable.append(impl)

    warm_page_cache(events)
    # Round-robin over repeats so slow drift on a shared machine hits everyone.
    for rep in range(a.repeat):
        for impl in runnable:
            out = run_dir / f"{impl.name}.parquet"
            outdir = run_dir / f"{impl.name}.out"
            for p in (out, outdir):
                if p.is_dir():
                    shutil.rmtree(p)
                elif p.exists():
                    p.unlink()
            argv = [x.format(**base_subs, out=str(out), outdir=str(outdir)) for x in impl.argv]
            log = run_dir / f"{impl.name}.log"
            print(f"[{label}] run {rep + 1}/{a.repeat} {impl.name}: {shlex.join(argv)}", flush=True)
            rc, wall, ru = run_measured(argv, log, a.timeout, env)
            run = Run(impl.name, rep, rc, round(wall, 3), round(ru.ru_utime, 3),
                      round(ru.ru_stime, 3), int(ru.ru_maxrss), str(log))
            summaries[impl.name].runs.append(run)
            print(f"[{label}]   -> exit {rc}, {wall:.2f}s, peak RSS {fmt_rss(run.maxrss_kib)}",
                  flush=True)
            if rc != 0:
                tail = log.read_text(errors="replace").splitlines()[-25:]
                print("\n".join(f"    | {x}" for x in tail), file=sys.stderr)

    ok = True
    for impl in runnable:
        s = summaries[impl.name]
        if any(r.returncode != 0 for r in s.runs):
            s.status, s.note = "failed", f"exit codes {[r.returncode for r in s.runs]}"
            ok = False
            continue
        best = min(s.runs, key=lambda r: r.wall_s)
        s.status = "ok"
        s.wall_s = best.wall_s
        s.wall_s_median = float(np.median([r.wall_s for r in s.runs]))
        s.cpu_s = round(best.user_s + best.sys_s, 2)
        s.maxrss_kib = max(r.maxrss_kib for r in s.runs)
        s.events_per_s = n_events / best.wall_s

    refs = [s for s in summaries.values() if s.kind == "reference" and s.status == "ok"]
    fastest = min(refs, key=lambda s: s.wall_s or 0.0) if refs else None
    if fastest:
        for s in summaries.values():
            if s.status == "ok" and s.wall_s and fastest.wall_s and fastest.maxrss_kib:
                s.wall_ratio = s.wall_s / fastest.wall_s
                s.rss_ratio = (s.maxrss_kib or 0) / fastest.maxrss_kib

    # Cross-check every feature table against the first successful one.
    consistency: dict[str, Any] = {"baseline": None, "problems": {}}
    comparable = [i for i in runnable if i.compare and summaries[i.name].status == "ok"]
    if comparable and not a.no_check:
        base_name = comparable[0].name
        consistency["baseline"] = base_name
        base = load_features(run_dir / f"{base_name}.parquet")
        total = int(pc.sum(base["event_count"]).as_py() or 0)
        expect = manifest.get("events_before_end")
        if expect is not None and total != expect:
            consistency["problems"]["manifest"] = [
                f"sum(event_count) {total} != events before as-of end {expect}"]
        for impl in comparable[1:]:
            try:
                probs = compare_tables(base, load_features(run_dir / f"{impl.name}.parquet"))
            except (OSError, ValueError, pa.ArrowException) as exc:
                probs = [f"cannot read output: {exc}"]
            if probs:
                consistency["problems"][impl.name] = probs
                summaries[impl.name].status = "MISMATCH"
                summaries[impl.name].note = f"output differs from {base_name}"
        consistency["compared"] = [i.name for i in comparable]
        consistency["rows"] = base.num_rows
    if consistency["problems"]:
        ok = False

    print_table(label, n_events, list(summaries.values()))
    if fastest:
        print(f"ratios relative to the fastest reference: {fastest.impl}")
    if consistency.get("compared"):
        if consistency["problems"]:
            print(f"\n!!! [{label}] OUTPUTS DISAGREE (baseline {consistency['baseline']}):",
                  file=sys.stderr)
            for name, probs in consistency["problems"].items():
                for p in probs:
                    print(f"!!!   {name}: {p}", file=sys.stderr)
        else:
            print(f"all {len(consistency['compared'])} feature tables identical "
                  f"({consistency['rows']:,} accounts; floats rtol {FLOAT_RTOL:g}): "
                  f"{', '.join(consistency['compared'])}")

    result = {
        "size": label, "events": n_events, "accounts": manifest.get("accounts"),
        "seed": a.seed, "as_of": a.as_of.isoformat(), "repeat": a.repeat,
        "threads": a.threads, "memory_limit": a.memory_limit,
        "generated_seconds": gen_s, "command": command,
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(a.python),
        "loadavg_start": [round(x, 2) for x in load_start],
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        "reference": fastest.impl if fastest else None,
        "results": [asdict(s) for s in summaries.values()],
        "consistency": consistency, "ok": ok,
    }
    res_path = a.data_dir / f"results-{label}.json"
    res_path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"results: {res_path}")
    return ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="5M",
                   help="comma list of event counts: 5M,20M,50M,200M or integers (default 5M)")
    p.add_argument("--repeat", type=int, default=1, help="runs per implementation; best wall is reported")
    p.add_argument("--only", default="", help="comma list of implementation names to run")
    p.add_argument("--skip", default="", help="comma list of implementation names to leave out")
    p.add_argument("--add", action="append", type=parse_add, default=[], metavar="NAME=CMD",
                   help="extra implementation (candidate) as a command line with placeholders")
    p.add_argument("--list", action="store_true", help="list implementations and exit")
    p.add_argument("--python", default=sys.executable,
                   help="interpreter for the implementations (default: this one)")
    p.add_argument("--gen-python", default=sys.executable, help="interpreter for generate.py")
    p.add_argument("--data-dir", type=Path, default=BENCH_DIR / "data",
                   help="where data sets, outputs and results go (default benchmarks/data)")
    p.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 6, 30),
                   help="as-of date (default 2026-06-30)")
    p.add_argument("--threads", type=int, default=2, help="threads per engine (default 2)")
    p.add_argument("--memory-limit", default="4GB", help="DuckDB memory_limit (default 4GB)")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds per run (default 3600)")
    p.add_argument("--no-size-limits", action="store_true",
                   help="also run implementations above their max size (pandas > 50M)")
    p.add_argument("--no-check", action="store_true", help="skip the output cross-check")
    a = p.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]

    impls = IMPLEMENTATIONS + a.add
    names = [i.name for i in impls]
    if len(set(names)) != len(names):
        p.error(f"duplicate implementation names: {names}")
    if a.list:
        for i in impls:
            print(f"{i.name:18} {i.kind:10} {shlex.join(i.argv)}")
        return 0
    if a.only:
        want = [x.strip() for x in a.only.split(",") if x.strip()]
        unknown = set(want) - set(names)
        if unknown:
            p.error(f"unknown implementation(s) {sorted(unknown)}; known: {names}")
        impls = [i for i in impls if i.name in want]
    if a.skip:
        drop = {x.strip() for x in a.skip.split(",")}
        impls = [i for i in impls if i.name not in drop]
    sizes = [parse_size(s) for s in a.sizes.split(",") if s.strip()]
    a.data_dir = a.data_dir.resolve()
    a.data_dir.mkdir(parents=True, exist_ok=True)
    command = shlex.join([Path(sys.executable).name, *sys.argv]) if argv is None \
        else shlex.join(["harness.py", *argv])

    ok = True
    for n in sizes:
        ok = bench_size(n, impls, a, command) and ok
    if not ok:
        print("\nFAILED: a run failed or the implementations disagree (see above)",
              file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

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
from many_accounts import widen  # noqa: E402
from measure import run_measured  # noqa: E402

REPO_DIR = BENCH_DIR.parent

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
    formats: tuple[str, ...] = ("parquet",)  # event file formats it reads


#: Event file formats the data sets can hold (``events.<format>``); gzip is made with gzip -6.
ALL_FORMATS = ("parquet", "csv", "csv.gz", "jsonl", "jsonl.gz")
DEFAULT_FORMATS = "parquet,csv.gz,jsonl"

COMMON = ("--events", "{events}", "--as-of", "{as_of}", "--out", "{out}")

IMPLEMENTATIONS: list[Impl] = [
    Impl("duckdb_split",
         ("{python}", "{bench}/references/duckdb_split.py", *COMMON,
          "--threads", "{threads}", "--memory-limit", "{memory_limit}"),
         requires_modules=("duckdb",), formats=ALL_FORMATS,
         note="the bare split query; text formats through DuckDB's readers, columns declared"),
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
         probe=("{segkit}", "segment", "--help"), formats=ALL_FORMATS,
         note="whole `segkit segment --by behavioral` run; output not compared"),
    Impl("segkit_segment_spark",
         ("{segkit}", "segment", "--events", "{events}", "--accounts", "{accounts}",
          "--subscriptions", "{subscriptions}", "--by", "behavioral",
          "--as-of", "{as_of}", "--out", "{outdir}", "--engine", "spark",
          "--spark-master", "local[{threads}]"),
         kind="pipeline", compare=False, requires_modules=("segkit.cli", "pyspark"),
         probe=("{segkit}", "segment", "--help"), formats=ALL_FORMATS, max_events=20_000_000,
         note="whole run on the Spark engine (goal 5); the JVM is in the process tree"),
]

#: Start-up rows (issue #14 goal 4): run warm (one discarded run first), once per harness call.
STARTUP: list[Impl] = [
    Impl("segkit_help", ("{segkit}", "--help"), kind="startup", compare=False,
         requires_modules=("segkit.cli",), probe=("{segkit}", "--help"),
         note="`segkit --help`"),
    Impl("segkit_samples",
         ("{segkit}", "segment", "--config", "{repo}/configs/samples.toml",
          "--by", "firmographic,geographic,value", "--out", "{outdir}", "--format", "table"),
         kind="startup", compare=False, requires_modules=("segkit.cli",),
         probe=("{segkit}", "--help"), note="`make demo`'s run on data/samples"),
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
    fmt: str
    repeat: int
    returncode: int
    wall_s: float
    user_s: float
    sys_s: float
    maxrss_kib: int          # largest single process (ru_maxrss)
    tree_rss_kib: int        # peak of the whole process tree (sampled)
    log: str


@dataclass
class Summary:
    """One row of the printed table: an implementation on one event file format."""

    impl: str
    fmt: str
    kind: str
    status: str                          # ok | failed | skipped | MISMATCH
    note: str = ""
    wall_s: float | None = None          # median wall time over repeats
    wall_s_best: float | None = None
    cpu_s: float | None = None           # user+sys, median over repeats
    maxrss_kib: int | None = None        # largest tree peak over repeats
    events_per_s: float | None = None
    wall_ratio: float | None = None      # median vs the same format's reference median
    rss_ratio: float | None = None       # vs that same reference
    cpu_ratio: float | None = None       # CPU seconds vs that reference (load moves it less)
    ratio_to: str = ""
    runs: list[Run] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.impl}@{self.fmt}" if self.fmt else self.impl


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


def _text_ready(out: Path, formats: list[str]) -> bool:
    raw = {f.removesuffix(".gz") for f in formats if f != "parquet"}
    return all((out / f"events.{r}").exists() for r in raw)


def ensure_data(n_events: int, seed: int, as_of: dt.date, data_dir: Path,
                gen_python: str, formats: list[str]) -> tuple[Path, dict[str, Any], float | None]:
    """Generate the data set unless a matching manifest (and every wanted format) is there.

    Text formats are written by ``generate.py``; ``.gz`` variants are made once with
    ``gzip -6`` (what ``gzip`` and most export tools default to).
    """
    out = data_dir / size_label(n_events)
    mpath = out / "manifest.json"
    want = {"generator_version": GENERATOR_VERSION, "seed": seed, "events": n_events,
            "as_of": as_of.isoformat()}
    secs: float | None = None
    manifest: dict[str, Any] | None = None
    if mpath.exists() and (out / "events.parquet").exists():
        manifest = json.loads(mpath.read_text())
        if not all(manifest.get(k) == v for k, v in want.items()):
            print(f"[{out.name}] manifest differs from {want}; regenerating")
            manifest = None
        elif not _text_ready(out, formats):
            manifest = None
    if manifest is None:
        raw = sorted({f.removesuffix(".gz") for f in formats if f != "parquet"})
        print(f"[{out.name}] generating {n_events:,} events (seed {seed}; "
              f"{','.join(['parquet', *raw])}) ...", flush=True)
        t0 = time.perf_counter()
        subprocess.run([gen_python, str(BENCH_DIR / "generate.py"), "--events", str(n_events),
                        "--seed", str(seed), "--as-of", as_of.isoformat(), "--out", str(out),
                        "--formats", ",".join(["parquet", *raw])], check=True)
        secs = time.perf_counter() - t0
        for f in out.glob("events.*.gz"):
            f.unlink()  # stale: the text it was made from was just rewritten
        print(f"[{out.name}] generated in {secs:.1f}s", flush=True)
        manifest = json.loads(mpath.read_text())
    for f in formats:
        if f.endswith(".gz") and not (out / f"events.{f}").exists():
            src, tmp = out / f"events.{f.removesuffix('.gz')}", out / f"events.{f}.tmp"
            print(f"[{out.name}] gzip -6 {src.name} ...", flush=True)
            with open(tmp, "wb") as fh:
                subprocess.run(["gzip", "-6", "-c", str(src)], stdout=fh, check=True)
            tmp.rename(out / f"events.{f}")
    return out, manifest, secs


def warm_page_cache(path: Path) -> None:
    """Read the file once so every implementation starts from a warm cache."""
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


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


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def print_table(title: str, rows: list[Summary]) -> None:
    """Fixed-width table; ratios are median vs median of the same format's reference."""
    head = ["implementation", "format", "median s", "best s", "cpu s", "tree peak",
            "events/s", "x wall", "x cpu", "x RSS", "vs", "status"]
    body = []
    for s in rows:
        body.append([
            s.impl, s.fmt or "-",
            f"{s.wall_s:.2f}" if s.wall_s is not None else "-",
            f"{s.wall_s_best:.2f}" if s.wall_s_best is not None else "-",
            f"{s.cpu_s:.2f}" if s.cpu_s is not None else "-",
            fmt_rss(s.maxrss_kib),
            f"{s.events_per_s / 1e6:.2f}M" if s.events_per_s else "-",
            f"{s.wall_ratio:.2f}" if s.wall_ratio is not None else "-",
            f"{s.cpu_ratio:.2f}" if s.cpu_ratio is not None else "-",
            f"{s.rss_ratio:.2f}" if s.rss_ratio is not None else "-",
            s.ratio_to or "-", s.status,
        ])
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h)
              for i, h in enumerate(head)]
    print(f"\n== {title} (load average now {loadavg()}) ==")
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip())
    print("  ".join("-" * w for w in widths))
    left = (0, 1, 10, 11)
    for r in body:
        print("  ".join(c.ljust(w) if i in left else c.rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    for s in rows:
        if s.status != "ok" and s.note:
            print(f"  {s.key} {s.status}: {s.note}")


# ---------------------------------------------------------------------------


def parse_add(spec: str) -> Impl:
    """``NAME=COMMAND`` (shell-quoted, placeholders allowed) -> a candidate Impl."""
    name, sep, cmd = spec.partition("=")
    if not sep or not name or not cmd:
        raise argparse.ArgumentTypeError(f"--add wants NAME=COMMAND, got {spec!r}")
    return Impl(name.strip(), tuple(shlex.split(cmd)), kind="candidate",
                note="added with --add")


def parse_many(spec: str, base_accounts: int) -> list[tuple[int, int]]:
    """``--many-accounts``: ``off``, ``xF`` (F x the base accounts, 3 subscriptions each) or
    comma-separated ``ACCOUNTS:SUBSCRIPTIONS`` (``1M:3M``)."""
    out = []
    for part in (x.strip() for x in spec.split(",")):
        if not part or part == "off":
            continue
        if part.startswith("x"):
            n = int(round(float(part[1:]) * base_accounts))
            out.append((n, 3 * n))
        else:
            acc, _, sub = part.partition(":")
            n = parse_size(acc)
            out.append((n, parse_size(sub) if sub else 3 * n))
    return out


def many_impls(data: Path, specs: list[tuple[int, int]], seed: int) -> list[Impl]:
    """One whole-run entry per wide accounts table (Parquet events, the base run's events)."""
    out = []
    for n_acc, n_sub in specs:
        acc, sub, meta = widen(data, n_acc, n_sub, seed)
        out.append(Impl(
            f"segkit_many_{size_label(n_acc)}",
            ("{segkit}", "segment", "--events", "{events}", "--accounts", str(acc),
             "--subscriptions", str(sub), "--by", "behavioral", "--as-of", "{as_of}",
             "--out", "{outdir}"),
            kind="pipeline", compare=False, requires_modules=("segkit.cli",),
            probe=("{segkit}", "--help"),
            note=f"{meta['accounts']:,} accounts, {meta['subscriptions']:,} subscriptions "
                 f"beside the same events"))
    return out


def _fresh(*paths: Path) -> None:
    for p in paths:
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def run_rounds(cells: list[tuple[Impl, str]], summaries: dict[str, Summary], subs_of: Any,
               run_dir: Path, label: str, repeat: int, a: argparse.Namespace,
               env: dict[str, str], warmup: bool = False) -> None:
    """Round-robin repeats (slow drift on a shared machine hits everyone); cold: fresh --out."""
    for rep in range(-1 if warmup else 0, repeat):
        for impl, fmt in cells:
            key = f"{impl.name}@{fmt}" if fmt else impl.name
            out, outdir = run_dir / f"{key}.parquet", run_dir / f"{key}.out"
            _fresh(out, outdir)
            argv = [x.format(**subs_of(fmt), out=str(out), outdir=str(outdir))
                    for x in impl.argv]
            log = run_dir / f"{key}.log"
            what = "warm-up" if rep < 0 else f"run {rep + 1}/{repeat}"
            print(f"[{label}] {what} {key}: {shlex.join(argv)}", flush=True)
            m = run_measured(argv, log, a.timeout, env, cwd=str(REPO_DIR))
            print(f"[{label}]   -> exit {m.returncode}, {m.wall_s:.2f}s, tree peak "
                  f"{fmt_rss(m.tree_rss_kib)} (largest process {fmt_rss(m.maxrss_kib)}), "
                  f"load {loadavg()}", flush=True)
            if m.returncode != 0:
                tail = log.read_text(errors="replace").splitlines()[-25:]
                print("\n".join(f"    | {x}" for x in tail), file=sys.stderr)
            if rep >= 0:
                summaries[key].runs.append(Run(
                    impl.name, fmt, rep, m.returncode, round(m.wall_s, 3), round(m.user_s, 3),
                    round(m.sys_s, 3), m.maxrss_kib, m.tree_rss_kib, str(log)))


def summarise(s: Summary, n_events: int | None) -> bool:
    """Fill the medians in; False if a run failed."""
    if not s.runs:
        return True
    if any(r.returncode != 0 for r in s.runs):
        s.status, s.note = "failed", f"exit codes {[r.returncode for r in s.runs]}"
        return False
    s.status = "ok"
    s.wall_s = float(np.median([r.wall_s for r in s.runs]))
    s.wall_s_best = min(r.wall_s for r in s.runs)
    s.cpu_s = round(float(np.median([r.user_s + r.sys_s for r in s.runs])), 2)
    s.maxrss_kib = max(r.tree_rss_kib for r in s.runs)
    s.events_per_s = n_events / s.wall_s if n_events else None
    return True


def set_ratio(s: Summary, ref: Summary | None) -> None:
    if ref and s is not ref and s.status == "ok" and ref.status == "ok" and ref.wall_s \
            and ref.maxrss_kib and s.wall_s:
        s.wall_ratio = s.wall_s / ref.wall_s
        s.rss_ratio = (s.maxrss_kib or 0) / ref.maxrss_kib
        s.cpu_ratio = (s.cpu_s or 0) / ref.cpu_s if ref.cpu_s else None
        s.ratio_to = ref.key


def check_outputs(run_dir: Path, cells: list[tuple[Impl, str]],
                  summaries: dict[str, Summary], manifest: dict[str, Any]) -> dict[str, Any]:
    """Cross-check every feature table (every format) against the first successful one."""
    consistency: dict[str, Any] = {"baseline": None, "problems": {}}
    keys = [f"{i.name}@{f}" for i, f in cells if i.compare and summaries[f"{i.name}@{f}"].status == "ok"]
    if not keys:
        return consistency
    consistency["baseline"] = keys[0]
    base = load_features(run_dir / f"{keys[0]}.parquet")
    total = int(pc.sum(base["event_count"]).as_py() or 0)
    expect = manifest.get("events_before_end")
    if expect is not None and total != expect:
        consistency["problems"]["manifest"] = [
            f"sum(event_count) {total} != events before as-of end {expect}"]
    for key in keys[1:]:
        try:
            probs = compare_tables(base, load_features(run_dir / f"{key}.parquet"))
        except (OSError, ValueError, pa.ArrowException) as exc:
            probs = [f"cannot read output: {exc}"]
        if probs:
            consistency["problems"][key] = probs
            summaries[key].status, summaries[key].note = "MISMATCH", f"output differs from {keys[0]}"
    consistency["compared"], consistency["rows"] = keys, base.num_rows
    return consistency


def plan_cells(impls: list[Impl], formats: list[str], n_events: int, a: argparse.Namespace,
               subs_of: Any, summaries: dict[str, Summary], label: str) -> list[tuple[Impl, str]]:
    """(implementation, format) pairs that can run; a Summary for every pair, run or not."""
    cells = []
    for impl in impls:
        fmts = [f for f in formats if f in impl.formats] if impl.kind != "startup" else [""]
        if not fmts:
            continue
        why = availability(impl, a.python, {**subs_of(fmts[0]), "out": "", "outdir": ""})
        if impl.max_events is not None and n_events > impl.max_events and not a.no_size_limits:
            why = f"skipped above {size_label(impl.max_events)} events: {impl.note}"
        for fmt in fmts:
            s = Summary(impl.name, fmt, impl.kind, "skipped", why or impl.note)
            summaries[s.key] = s
            if why:
                print(f"[{label}] note: skipping {s.key}: {why}")
            else:
                cells.append((impl, fmt))
    return cells


def bench_size(n_events: int, impls: list[Impl], a: argparse.Namespace,
               command: str) -> bool:
    """Benchmark one size on every format; False if outputs disagree or a run failed."""
    load_start = os.getloadavg()
    if load_start[0] > 0.5 * (os.cpu_count() or 1):
        print(f"warning: 1-min load average {load_start[0]:.2f} before starting; "
              "timings will be noisy (other work on this machine)")
    data, manifest, gen_s = ensure_data(n_events, a.seed, a.as_of, a.data_dir, a.gen_python,
                                        a.formats)
    label = size_label(n_events)
    run_dir = a.data_dir / "runs" / label
    run_dir.mkdir(parents=True, exist_ok=True)
    # --only leaves out the default x5 curve, not one asked for with --many-accounts
    spec = a.many_accounts if a.many_accounts is not None else ("off" if a.only else "x5")
    many = parse_many(spec, int(manifest.get("accounts") or 0))
    impls = impls + (many_impls(data, many, a.seed) if many else [])
    segkit = find_segkit(a.python)

    def subs_of(fmt: str) -> dict[str, str]:
        return {"python": a.python, "bench": str(BENCH_DIR), "repo": str(REPO_DIR),
                "events": str(data / f"events.{fmt or 'parquet'}"),
                "accounts": str(data / "accounts.csv"),
                "accounts_parquet": str(data / "accounts.parquet"),
                "subscriptions": str(data / "subscriptions.csv"), "as_of": a.as_of.isoformat(),
                "threads": str(a.threads), "memory_limit": a.memory_limit, "segkit": segkit}

    summaries: dict[str, Summary] = {}
    cells = plan_cells(impls, a.formats, n_events, a, subs_of, summaries, label)
    for fmt in sorted({f for _, f in cells}):
        warm_page_cache(data / f"events.{fmt}")
    run_rounds(cells, summaries, subs_of, run_dir, label, a.repeat, a, a.env)
    ok = all([summarise(s, n_events) for s in summaries.values()])
    for s in summaries.values():
        if s.impl.startswith("segkit_many_"):
            set_ratio(s, summaries.get("segkit_segment@parquet"))
        else:
            set_ratio(s, summaries.get(f"duckdb_split@{s.fmt}"))
    consistency = {} if a.no_check else check_outputs(run_dir, cells, summaries, manifest)
    ok = ok and not consistency.get("problems")
    rows = sorted(summaries.values(), key=lambda s: (ALL_FORMATS.index(s.fmt), s.impl.startswith("segkit_many"), s.kind != "reference", s.impl))
    print_table(f"{label}: {n_events:,} events, {manifest.get('accounts'):,} accounts, "
                f"median of {a.repeat}", rows)
    print("x wall / x cpu / x RSS: median wall, median CPU (user+sys) and tree peak vs the row "
          "named in `vs` (same run)")
    report_consistency(label, consistency)
    result = {
        "size": label, "events": n_events, "accounts": manifest.get("accounts"),
        "subscriptions": manifest.get("subscriptions"), "formats": a.formats,
        "seed": a.seed, "as_of": a.as_of.isoformat(), "repeat": a.repeat,
        "threads": a.threads, "memory_limit": a.memory_limit,
        "generated_seconds": gen_s, "command": command,
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(a.python),
        "loadavg_start": [round(x, 2) for x in load_start],
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        "results": [asdict(s) for s in rows], "consistency": consistency, "ok": ok,
    }
    res_path = a.data_dir / f"results-{label}.json"
    res_path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"results: {res_path}")
    return ok


def report_consistency(label: str, consistency: dict[str, Any]) -> None:
    if not consistency.get("compared"):
        return
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


def bench_startup(a: argparse.Namespace) -> bool:
    """`segkit --help` and the samples run, warm: one discarded run, then max(3, repeat)."""
    run_dir = a.data_dir / "runs" / "startup"
    run_dir.mkdir(parents=True, exist_ok=True)
    segkit = find_segkit(a.python)
    subs = {"segkit": segkit, "repo": str(REPO_DIR), "python": a.python}
    summaries: dict[str, Summary] = {}
    cells = plan_cells(STARTUP, [""], 0, a, lambda _f: subs, summaries, "startup")
    repeat = max(3, a.repeat)
    run_rounds(cells, summaries, lambda _f: subs, run_dir, "startup", repeat, a, a.env,
               warmup=True)
    ok = all([summarise(s, None) for s in summaries.values()])
    print_table(f"start-up, warm, median of {repeat}", list(summaries.values()))
    res = {"finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
           "loadavg_end": [round(x, 2) for x in os.getloadavg()],
           "results": [asdict(s) for s in summaries.values()], "ok": ok}
    (a.data_dir / "results-startup.json").write_text(json.dumps(res, indent=2) + "\n")
    return ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="5M",
                   help="comma list of event counts: 5M,20M,50M,200M or integers (default 5M)")
    p.add_argument("--formats", default=DEFAULT_FORMATS,
                   help=f"comma list of event file formats out of {','.join(ALL_FORMATS)} "
                        f"(default {DEFAULT_FORMATS})")
    p.add_argument("--repeat", type=int, default=1, help="runs per implementation; the median is reported")
    p.add_argument("--many-accounts", default=None,
                   help="wide accounts tables beside the same events: off, xF (F x the base "
                        "accounts, 3 subscriptions each; default x5, off with --only) or "
                        "ACC:SUBS[,...] e.g. 1M:3M (run with --only too)")
    p.add_argument("--no-startup", action="store_true", help="leave out the start-up rows")
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
        for i in impls + STARTUP:
            print(f"{i.name:18} {i.kind:10} {','.join(i.formats) if i.kind != 'startup' else '-':32} "
                  f"{shlex.join(i.argv)}")
        return 0
    a.formats = [x.strip() for x in a.formats.split(",") if x.strip()]
    bad = set(a.formats) - set(ALL_FORMATS)
    if bad:
        p.error(f"unknown formats {sorted(bad)}; known: {list(ALL_FORMATS)}")
    if a.only:
        want = [x.strip() for x in a.only.split(",") if x.strip()]
        unknown = set(want) - set(names) - {i.name for i in STARTUP}
        if unknown:
            p.error(f"unknown implementation(s) {sorted(unknown)}; known: {names}")
        impls = [i for i in impls if i.name in want]
        a.no_startup = a.no_startup or not any(i.name in want for i in STARTUP)
    if a.skip:
        drop = {x.strip() for x in a.skip.split(",")}
        impls = [i for i in impls if i.name not in drop]
    sizes = [parse_size(s) for s in a.sizes.split(",") if s.strip()]
    a.data_dir = a.data_dir.resolve()
    a.data_dir.mkdir(parents=True, exist_ok=True)
    a.env = dict(os.environ)
    a.env.update({"POLARS_MAX_THREADS": str(a.threads), "OMP_NUM_THREADS": str(a.threads),
                  "PYTHONHASHSEED": "0"})
    command = shlex.join([Path(sys.executable).name, *sys.argv]) if argv is None \
        else shlex.join(["harness.py", *argv])

    print(f"load average at start: {loadavg()} ({os.cpu_count()} cores)")
    ok = True
    for n in sizes:
        ok = bench_size(n, impls, a, command) and ok
    if not a.no_startup:
        ok = bench_startup(a) and ok
    if not ok:
        print("\nFAILED: a run failed or the implementations disagree (see above)",
              file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: segkit vs lifetimes 0.11.3 fitting BG/NBD + Gamma-Gamma on CDNOW.

Both sides fit the *same* summary (built by segkit from the raw CDNOW_sample.txt and handed to
lifetimes as a CSV with full precision), so the parameters must agree; the script fails if any
differs by more than 1e-3. Times are the best of ``--repeats`` runs of the fits only (no data
loading, no summary building), in one process per library, as wall clock and as process CPU
time (the latter is steadier on a shared machine). BLAS is single-threaded on both sides.

lifetimes is a benchmark-only dependency and does not import with numpy 2 / pandas 3, so its
side runs in a subprocess under ``--lifetimes-python`` (default: this interpreter), e.g. a venv
with lifetimes==0.11.3 numpy==1.26.4 pandas==1.5.3 scipy==1.11.4 autograd==1.6.2 (see
benchmarks/README-clv.md).

    .venv/bin/python benchmarks/bench_clv.py --lifetimes-python /work/venvs/lifetimes/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from segkit.models import fit_bgnbd, fit_gamma_gamma, summarise_transactions  # noqa: E402

DEFAULT_DATA = REPO_ROOT / ".." / "shared" / "datasets" / "cdnow" / "CDNOW_sample.txt"
PARAMETER_TOLERANCE = 1e-3

# Runs under the lifetimes interpreter; reads the summary CSV, prints one JSON line.
LIFETIMES_SCRIPT = r"""
import json, sys, time
import pandas as pd
import lifetimes
from lifetimes import BetaGeoFitter, GammaGammaFitter

path, repeats = sys.argv[1], int(sys.argv[2])
data = pd.read_csv(path)
repeaters = data[data["x"] > 0]
bg_times, gg_times, bg_cpu, gg_cpu = [], [], [], []
for _ in range(repeats):
    start, cpu = time.perf_counter(), time.process_time()
    bg = BetaGeoFitter().fit(data["x"], data["t_x"], data["T"])
    bg_times.append(time.perf_counter() - start)
    bg_cpu.append(time.process_time() - cpu)
    start, cpu = time.perf_counter(), time.process_time()
    gg = GammaGammaFitter().fit(repeaters["x"], repeaters["zbar"])
    gg_times.append(time.perf_counter() - start)
    gg_cpu.append(time.process_time() - cpu)
print(json.dumps({
    "version": lifetimes.__version__,
    "bgnbd": {k: float(v) for k, v in bg.params_.items()},
    "gamma_gamma": {"p": float(gg.params_["p"]), "q": float(gg.params_["q"]), "gamma": float(gg.params_["v"])},
    "bgnbd_times": bg_times,
    "gamma_gamma_times": gg_times,
    "bgnbd_cpu": bg_cpu,
    "gamma_gamma_cpu": gg_cpu,
}))
"""


def time_segkit(summary: pd.DataFrame, repeats: int) -> dict[str, object]:
    """Best-of-N timing of the two segkit fits on arrays already in memory."""
    x = summary["x"].to_numpy(dtype=np.float64)
    t_x = summary["t_x"].to_numpy()
    T = summary["T"].to_numpy()
    zbar = summary["zbar"].to_numpy()
    bg_times, gg_times, bg_cpu, gg_cpu = [], [], [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        bg = fit_bgnbd(x, t_x, T)
        bg_times.append(time.perf_counter() - start)
        bg_cpu.append(time.process_time() - cpu)
        start, cpu = time.perf_counter(), time.process_time()
        gg = fit_gamma_gamma(x, zbar)
        gg_times.append(time.perf_counter() - start)
        gg_cpu.append(time.process_time() - cpu)
    if not (bg.converged and gg.converged):
        raise SystemExit(f"segkit fit did not converge: {bg.message} / {gg.message}")
    return {
        "bgnbd": dict(zip(("r", "alpha", "a", "b"), bg.params.as_tuple(), strict=True)),
        "gamma_gamma": dict(zip(("p", "q", "gamma"), gg.params.as_tuple(), strict=True)),
        "bgnbd_times": bg_times,
        "gamma_gamma_times": gg_times,
        "bgnbd_cpu": bg_cpu,
        "gamma_gamma_cpu": gg_cpu,
    }


def time_lifetimes(summary: pd.DataFrame, repeats: int, python: str) -> dict[str, object]:
    """Run LIFETIMES_SCRIPT under ``python`` on the same summary, single-threaded BLAS like segkit."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "summary.csv"
        summary[["x", "t_x", "T", "zbar"]].to_csv(path, index=False, float_format="%.17g")
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        completed = subprocess.run(
            [python, "-c", LIFETIMES_SCRIPT, str(path), str(repeats)],
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,  # so the repo's segkit/ cannot shadow anything
            check=False,
        )
    if completed.returncode != 0:
        tail = completed.stderr.strip().splitlines()[-3:]
        raise SystemExit(
            f"lifetimes side failed under {python}:\n  " + "\n  ".join(tail) + "\n"
            "Pass --lifetimes-python pointing at an interpreter where `import lifetimes` works "
            "(see benchmarks/README-clv.md)."
        )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def best_total(result: dict[str, object], keys: tuple[str, ...]) -> float:
    """Best repeat of the summed fits (the fits of one repeat run back to back)."""
    series = [result[key] for key in keys]
    return min(sum(values) for values in zip(*series, strict=True))  # type: ignore[call-overload]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifetimes-python", default=sys.executable, help="interpreter with lifetimes 0.11.3")
    parser.add_argument("--repeats", type=int, default=20, help="timing repeats; the best is reported")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="path to CDNOW_sample.txt")
    args = parser.parse_args(argv)

    raw = pd.read_csv(
        args.data, sep=r"\s+", header=None, names=["master_id", "customer", "date", "cds", "amount"]
    )
    summary = summarise_transactions(raw, "1997-09-30", date_format="%Y%m%d")

    ours = time_segkit(summary, args.repeats)
    theirs = time_lifetimes(summary, args.repeats, args.lifetimes_python)

    print(f"CDNOW sample: {len(summary)} customers, {(summary['x'] > 0).sum()} repeaters; "
          f"best of {args.repeats} repeats, fit only")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; lifetimes {theirs['version']}")
    worst = 0.0
    print(f"{'parameter':<10}{'segkit':>14}{'lifetimes':>14}{'abs diff':>12}")
    for model in ("bgnbd", "gamma_gamma"):
        for name, value in ours[model].items():  # type: ignore[union-attr]
            other = theirs[model][name]  # type: ignore[index]
            diff = abs(value - other)
            worst = max(worst, diff)
            print(f"{name:<10}{value:>14.6f}{other:>14.6f}{diff:>12.2e}")

    for clock, suffix in (("wall clock", "times"), ("CPU time", "cpu")):
        print(f"{clock}, best of {args.repeats}:")
        print(f"  {'fit':<12}{'segkit ms':>12}{'lifetimes ms':>14}{'speed-up':>10}")
        for label, pair in (
            ("BG/NBD", (f"bgnbd_{suffix}",)),
            ("Gamma-Gamma", (f"gamma_gamma_{suffix}",)),
            ("both", (f"bgnbd_{suffix}", f"gamma_gamma_{suffix}")),
        ):
            mine = best_total(ours, pair)
            other = best_total(theirs, pair)
            print(f"  {label:<12}{mine * 1e3:>12.2f}{other * 1e3:>14.2f}{other / mine:>9.1f}x")

    if worst > PARAMETER_TOLERANCE:
        print(f"FAIL: parameters differ by {worst:.2e} > {PARAMETER_TOLERANCE}")
        return 1
    print(f"OK: all parameters agree to {worst:.1e} (tolerance {PARAMETER_TOLERANCE})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Prototype (issue #14, goal 4): what `segkit --help` and a small run pay for imports.

Two measurements, side by side in one run:

1. ``python -X importtime -c "import segkit.cli"`` (after a warm-up): the self time of every
   module summed per top-level package (numpy, pandas, pyarrow, scipy, sklearn, duckdb, rich,
   typer, segkit itself, ...) -- what each dependency costs at start-up -- and which segkit
   module first pulls it in.
2. Warm wall time (median of N, round-robin, one discarded warm-up each) of one subprocess per
   line: the bare interpreter, each dependency alone, ``import typer, rich`` (all that `--help`
   needs: the floor lazy imports could reach), ``import segkit.cli`` and ``segkit --help``.

    python benchmarks/prototypes/startup_imports.py [--repeat 5] [--python .venv/bin/python]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[1]

LINES: list[tuple[str, str]] = [
    ("interpreter (-c pass)", "pass"),
    ("typer + rich (what --help needs)", "import typer, rich.console"),
    ("numpy", "import numpy"),
    ("pyarrow (+compute, csv, parquet)", "import pyarrow, pyarrow.compute, pyarrow.csv, pyarrow.parquet"),
    ("pandas", "import pandas"),
    ("duckdb", "import duckdb"),
    ("scipy.stats", "import scipy.stats"),
    ("scipy.special + optimize", "import scipy.special, scipy.optimize"),
    ("sklearn.cluster + metrics", "import sklearn.cluster, sklearn.metrics"),
    ("import segkit.cli", "import segkit.cli"),
]


def importtime(python: str) -> tuple[float, dict[str, float], dict[str, str]]:
    """Total, self seconds per top-level package, and the segkit module importing each first."""
    subprocess.run([python, "-X", "importtime", "-c", "import segkit.cli"], capture_output=True)
    err = subprocess.run([python, "-X", "importtime", "-c", "import segkit.cli"],
                         capture_output=True, text=True).stderr
    per: dict[str, float] = {}
    first_by: dict[str, str] = {}
    rows = []
    for line in err.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            rows.append((int(m.group(1)), int(m.group(2)), len(m.group(3)) // 2, m.group(4)))
    total = next((cum for _, cum, _, name in rows if name == "segkit.cli"), 0) / 1e6
    for self_us, _cum, _depth, name in rows:
        root = name.split(".")[0].lstrip("_")
        per[root] = per.get(root, 0.0) + self_us / 1e6
    # The parent of an entry is the next entry after it with a smaller depth.
    for i, (_s, _c, depth, name) in enumerate(rows):
        root = name.split(".")[0].lstrip("_")
        if root in first_by or root == "segkit":
            continue
        cur = depth  # walk up the ancestors: each next entry with a smaller depth
        for _s2, _c2, d2, parent in rows[i + 1:]:
            if d2 >= cur:
                continue
            cur = d2
            if parent.startswith("segkit"):
                first_by[root] = parent
                break
            if d2 == 0:
                break
    return total, per, first_by


def timed(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, capture_output=True, env=env, check=True)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--json", type=Path, default=BENCH / "data" / "results-startup-imports.json")
    a = p.parse_args(argv)
    env = dict(os.environ)
    segkit = str(Path(a.python).parent / "segkit")
    cmds = [(label, [a.python, "-c", code]) for label, code in LINES]
    cmds.append(("segkit --help", [segkit, "--help"]))
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    total, per, first_by = importtime(a.python)
    print(f"\n-X importtime: import segkit.cli = {total:.2f}s; self time per package:")
    for root, secs in sorted(per.items(), key=lambda kv: -kv[1])[:14]:
        print(f"  {root:14} {secs:6.2f}s  {secs / total:6.1%}  first from {first_by.get(root, '-')}")
    walls: dict[str, list[float]] = {label: [] for label, _ in cmds}
    for _label, cmd in cmds:
        timed(cmd, env)  # warm-up
    for _ in range(a.repeat):
        for label, cmd in cmds:
            walls[label].append(timed(cmd, env))
    print(f"\nwarm wall, median of {a.repeat} (load now {' '.join(f'{x:.2f}' for x in os.getloadavg())}):")
    base = float(np.median(walls[cmds[0][0]]))
    for label, _ in cmds:
        med = float(np.median(walls[label]))
        print(f"  {label:36} {med:6.3f}s   over the interpreter {med - base:6.3f}s")
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps({
        "importtime_total_s": total, "self_s_per_package": per, "first_imported_by": first_by,
        "warm_wall_s": {k: float(np.median(v)) for k, v in walls.items()},
        "runs": walls, "loadavg_end": os.getloadavg(),
    }, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

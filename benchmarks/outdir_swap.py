"""Measure --out DIR's atomic set swap (docs/nightly.md): publish time, and that a reader polling
DIR meanwhile never sees files of two runs at once.

    .venv/bin/python benchmarks/outdir_swap.py [RUNS] [KB_PER_FILE]
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

from segkit.writers.rundir import locked, publish

NAMES = ("report.json", "segments.csv", "assignments.csv", "assignments.parquet", "rejected.csv", "report.html", "run.json")


def _reader(out_dir: str, stop, result) -> None:
    """Read DIR's files one by one; a read that no swap interrupted must see one run only."""
    import os

    current = Path(out_dir) / ".segkit-history" / "current"
    reads = mixed = spanned = missing = pinned_mixed = 0
    while not stop.is_set():
        before = os.readlink(current)
        seen = set()
        for name in NAMES:
            try:
                seen.add((Path(out_dir) / name).read_bytes()[:12])
            except FileNotFoundError:
                missing += 1
        unchanged = os.readlink(current) == before
        reads += 1
        spanned += not unchanged
        mixed += len(seen) > 1 and unchanged
        pinned = current.resolve()  # a reader that resolves the run folder once always sees one run
        pinned_mixed += len({(pinned / name).read_bytes()[:12] for name in NAMES}) > 1
    result.put((reads, mixed, spanned, missing, pinned_mixed))


def main(runs: int = 200, kb: int = 256) -> None:
    out_dir = Path(tempfile.mkdtemp(prefix="segkit-swap-bench-"))
    with locked(out_dir) as history:
        publish(out_dir, history, {n: b"run-00000000" + b"x" * kb * 1024 for n in NAMES}, {}, 5, NAMES)
    stop, result = mp.Event(), mp.Queue()
    reader = mp.Process(target=_reader, args=(str(out_dir), stop, result))
    reader.start()
    times = []
    for run in range(1, runs + 1):
        files = {n: f"run-{run:08d}".encode() + b"x" * kb * 1024 for n in NAMES}
        with locked(out_dir) as history:
            started = time.perf_counter()
            publish(out_dir, history, files, {}, 5, NAMES)
            times.append(time.perf_counter() - started)
    stop.set()
    reads, mixed, spanned, missing, pinned_mixed = result.get()
    reader.join()
    times.sort()
    print(f"{runs} publishes of {len(NAMES)} files x {kb} KB: median {times[len(times) // 2] * 1000:.1f} ms, "
          f"max {times[-1] * 1000:.1f} ms; reader: {reads} reads of DIR's {len(NAMES)} files, {spanned} spanned a swap, "
          f"{mixed} mixed sets without a swap, {missing} missing files; {pinned_mixed} mixed via the resolved run folder")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))

"""segkit's event-feature step alone, for the benchmark harness (``benchmarks/harness.py``).

    python -m segkit.features.events.bench_entry --events events.parquet --as-of 2026-06-30 --out f.parquet

Maps the event file as ``segkit segment`` would (preset detection from the header), runs the
feature engine (``--engine duckdb`` or ``spark``) and writes the per-account features as Parquet,
sorted by ``account_id``, in the harness's schema. The time and peak memory of this process are
what the harness measures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=Path, nargs="+", required=True)
    p.add_argument("--as-of", type=dt.date.fromisoformat, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--engine", default="duckdb", choices=("duckdb", "spark"))
    p.add_argument("--spark-master", default="local[2]")
    p.add_argument("--threads", type=int, default=None)
    a = p.parse_args(argv)

    import pyarrow as pa
    import pyarrow.parquet as pq

    # Not segkit.api: its metrics import scipy (~0.6 s), which this step does not need.
    from segkit.config import Config
    from segkit.features.events.registry import make_engine
    from segkit.loading import LoadOptions, Rejections, load_inputs

    t0 = time.perf_counter()
    inputs = load_inputs([], {"events": list(a.events)}, Config(), LoadOptions(max_rejected=1.0))
    engine = make_engine(inputs.events, engine=a.engine, spark_master=a.spark_master, threads=a.threads)
    try:
        frame = engine.features(a.as_of, None, Rejections()).frame
    finally:
        engine.close()
    table = pa.Table.from_pandas(frame.reset_index(), preserve_index=False)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, a.out, compression="zstd")
    stats = inputs.events.stats
    print(f"segkit_features ({a.engine}): {time.perf_counter() - t0:.2f}s, {stats.rows_read:,} rows read, "
          f"{stats.rows_rejected:,} rejected, {len(frame):,} accounts", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

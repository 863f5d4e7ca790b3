#!/usr/bin/env python3
"""Many accounts beside the same events (issue #14, goal 3): wider accounts / subscriptions tables.

The events of a generated data set (``generate.py``) stay as they are; the accounts table gets
extra accounts that have no events (customers whose product is not instrumented, or who never
logged in) and the subscriptions table their plan periods, so a run on the wide tables differs
from the base run only in the per-account stages. The extra accounts are drawn with
``generate.py``'s own account and subscription writers (own seed stream), ids continue after the
base ones (``acc_<n>``, ``sub_<n>``), and each extra account has ``floor(m)`` or ``ceil(m)``
plan periods so the total hits the requested subscription count.

    python benchmarks/many_accounts.py --data benchmarks/data/5M --accounts 1M --subscriptions 3M

writes ``accounts-1M.csv`` and ``subscriptions-3M.csv`` next to the base tables (skipped when
they exist and ``many-<accounts>.json`` matches).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate as gen  # noqa: E402

MANY_VERSION = 1


def wide_names(n_accounts: int, n_subscriptions: int) -> tuple[str, str]:
    return (f"accounts-{gen.size_label(n_accounts)}.csv",
            f"subscriptions-{gen.size_label(n_subscriptions)}.csv")


def _read_strings(path: Path) -> pa.Table:
    """A CSV with every column as text, so the base rows are written back byte for byte."""
    with open(path, newline="") as fh:
        names = next(csv.reader(fh))
    return pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
        column_types={n: pa.string() for n in names}, strings_can_be_null=False))


def _renumber(table: pa.Table, column: str, prefix: str, start: int, width: int) -> pa.Table:
    ids = pa.array([f"{prefix}{i:0{width}d}" for i in range(start, start + table.num_rows)])
    return table.set_column(table.column_names.index(column), column, ids)


def widen(data: Path, n_accounts: int, n_subscriptions: int, seed: int = 42,
          as_of: dt.date = dt.date(2026, 6, 30)) -> tuple[Path, Path, dict]:
    """Write the wide tables for the data set in ``data``; returns their paths and counts."""
    acc_name, sub_name = wide_names(n_accounts, n_subscriptions)
    meta_path = data / f"many-{gen.size_label(n_accounts)}.json"
    base_manifest = json.loads((data / "manifest.json").read_text())
    want = {"version": MANY_VERSION, "seed": seed, "accounts": n_accounts,
            "subscriptions_wanted": n_subscriptions, "base": base_manifest.get("seconds")}
    if meta_path.exists() and (data / acc_name).exists() and (data / sub_name).exists():
        meta = json.loads(meta_path.read_text())
        if all(meta.get(k) == v for k, v in want.items()):
            return data / acc_name, data / sub_name, meta
    base_acc = _read_strings(data / "accounts.csv")
    base_sub = _read_strings(data / "subscriptions.csv")
    n_base, s_base = base_acc.num_rows, base_sub.num_rows
    n_extra = n_accounts - n_base
    if n_extra <= 0:
        raise SystemExit(f"{data}: already {n_base} accounts >= {n_accounts}")
    mean = max(1.0, (n_subscriptions - s_base) / n_extra)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 14]))
    extra = gen.make_accounts(rng, n_extra, 0)
    extra.ids = pa.array([f"acc_{i:06d}" for i in range(n_base, n_accounts)], pa.string())
    lo = int(np.floor(mean))
    periods = lo + (rng.random(n_extra) < (mean - lo)).astype(np.int64)
    day0 = dt.datetime.combine(as_of - dt.timedelta(days=364), dt.time(), dt.timezone.utc)
    with tempfile.TemporaryDirectory(dir=data) as tmp:
        t = Path(tmp)
        gen.write_accounts(rng, extra, int(day0.timestamp()) * 1_000_000, t)
        n_sub_extra = gen.write_subscriptions(rng, extra, as_of, t, periods=periods)
        acc_x = _read_strings(t / "accounts.csv")
        sub_x = _read_strings(t / "subscriptions.csv")
    acc_x = _renumber(acc_x, "name", "Extra Co ", n_base, 1)
    sub_x = _renumber(sub_x, "subscription_id", "sub_", s_base, 7)
    accounts = pa.concat_tables([base_acc, acc_x.select(base_acc.column_names)])
    subs = pa.concat_tables([base_sub, sub_x.select(base_sub.column_names)])
    if pc.count_distinct(accounts["account_id"]).as_py() != accounts.num_rows:
        raise SystemExit("duplicate account ids in the wide table")
    pcsv.write_csv(accounts, data / acc_name)
    pcsv.write_csv(subs, data / sub_name, pcsv.WriteOptions(quoting_style="needed"))
    meta = {**want, "accounts_base": n_base, "subscriptions_base": s_base,
            "subscriptions": s_base + n_sub_extra}
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return data / acc_name, data / sub_name, meta


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True, help="a generate.py data set directory")
    p.add_argument("--accounts", type=gen.parse_size, required=True)
    p.add_argument("--subscriptions", type=gen.parse_size, required=True)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args(argv)
    acc, sub, meta = widen(a.data, a.accounts, a.subscriptions, a.seed)
    print(json.dumps({"accounts": str(acc), "subscriptions": str(sub), **meta}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

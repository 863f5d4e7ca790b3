#!/usr/bin/env python3
"""Per-account features with plain pandas, written the way an analyst would.

Why it is here: it is the baseline users compare segkit with (load the whole
log, ``groupby().agg(nunique ...)``), and it shows the memory cost of
materialising every event: the harness skips it above 50M events.

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

import pandas as pd


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=Path, required=True,
                   help="event log: a Parquet file or a directory of Parquet files")
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 6, 30),
                   help="as-of date A, UTC (default 2026-06-30)")
    p.add_argument("--out", type=Path, required=True, help="output Parquet file")
    return p.parse_args(argv)


def features(df: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Straightforward groupby version of the feature definition."""
    end = pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1)
    df = df[df["timestamp"] < end]
    df = df.assign(date=df["timestamp"].dt.floor("D"))
    g = df.groupby("account_id")
    out = g.agg(
        event_count=("event", "size"),
        distinct_users=("user_id", "nunique"),
        distinct_events=("event", "nunique"),
        first_seen=("timestamp", "min"),
        last_seen=("timestamp", "max"),
    )
    last30 = df[df["timestamp"] >= end - pd.Timedelta(days=30)]
    last90 = df[df["timestamp"] >= end - pd.Timedelta(days=90)]
    prior60 = last90[last90["timestamp"] < end - pd.Timedelta(days=30)]
    out["active_days_30"] = last30.groupby("account_id")["date"].nunique()
    out["active_days_90"] = last90.groupby("account_id")["date"].nunique()
    out["events_30"] = last30.groupby("account_id").size()
    out["events_prior_60"] = prior60.groupby("account_id").size()

    start84 = end - pd.Timedelta(days=84)
    last84 = df[df["timestamp"] >= start84]
    week = (last84["timestamp"] - start84) // pd.Timedelta(days=7)
    weekly = last84.assign(week=week).groupby(["account_id", "week"]).size().unstack(fill_value=0)
    weekly = weekly.reindex(columns=range(12), fill_value=0)
    sum_w = (weekly * list(range(12))).sum(axis=1)
    n84 = weekly.sum(axis=1)
    out["trend_slope_12w"] = (12 * sum_w - 66 * n84).astype("float64") / 1716.0

    for col in ["active_days_30", "active_days_90", "events_30", "events_prior_60"]:
        out[col] = out[col].fillna(0).astype("int64")
    out["trend_slope_12w"] = out["trend_slope_12w"].fillna(0.0)
    return out.reset_index().sort_values("account_id", ignore_index=True)


def run(events: Path, as_of: dt.date, out: Path) -> None:
    """Load the needed columns, compute, write ``out`` (Parquet)."""
    df = pd.read_parquet(events, columns=["account_id", "user_id", "event", "timestamp"])
    out.parent.mkdir(parents=True, exist_ok=True)
    features(df, as_of).to_parquet(out, index=False)


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    t0 = time.perf_counter()
    run(a.events, a.as_of, a.out)
    print(f"pandas_plain: {time.perf_counter() - t0:.2f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

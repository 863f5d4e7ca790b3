#!/usr/bin/env python3
"""Seeded synthetic SaaS data for the segkit benchmarks (issue #6).

Writes, for one size, into ``--out``:

* ``events.parquet``  -- event log ``account_id, user_id, event, timestamp``
  (timestamp[us, tz=UTC]), sorted by timestamp, row groups of ~1M rows, zstd;
* ``events.csv`` / ``events.jsonl`` -- the same rows as text (``--formats``),
  optionally only the first ``--text-rows`` rows;
* ``accounts.parquet`` + ``accounts.csv`` -- ``account_id, name, created_at,
  employees, industry, country``;
* ``subscriptions.csv`` -- ``subscription_id, account_id, started_at, ended_at
  (empty if active), status, plan, mrr``;
* ``manifest.json`` -- parameters and a few totals the harness cross-checks.

Shape (stated so results are comparable across machines):

* accounts = clamp(4 per 1,000 events, 100, 200,000): 5M -> 20k, 20M -> 80k,
  50M -> 200k (the issue's figure), 200M -> 200k;
* 5% of accounts are dormant (no events) so "one row per account with events"
  is exercised;
* account activity is Zipf-Mandelbrot skewed (weight 1/(rank+10)), each account
  has a lifetime (30% start during the year, 15% churn during it) and a
  per-account growth rate, so first/last seen and 12-week trends vary;
* users per account grow with activity, picked with a power-law skew;
  2% of events have a null user_id (system events);
* 40 event names, Zipf (s=1.2);
* 365 days of events ending on the as-of date (default 2026-06-30 UTC) with a
  weekly cycle, plus ``--late-fraction`` (default 0.1%) of events on the day
  after it, which every feature implementation must ignore.

Everything derives from ``numpy.random.SeedSequence(--seed)``; the event log
is produced day by day and flushed in ~1M-row slices through
``pyarrow.parquet.ParquetWriter``, so 200M events need well under 2 GB of RAM.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

GENERATOR_VERSION = 2
DAY_US = 86_400_000_000
DEFAULT_AS_OF = "2026-06-30"
ROW_GROUP = 1_000_000

EVENT_NAMES: list[str] = [
    "page_view", "session_start", "login", "search", "dashboard_view",
    "report_view", "click_cta", "file_upload", "file_download", "comment_add",
    "task_create", "task_complete", "project_create", "invite_sent",
    "invite_accepted", "integration_connect", "api_call", "export_csv",
    "filter_apply", "notification_open", "settings_update", "profile_update",
    "share_link", "template_use", "chart_create", "alert_create",
    "workflow_run", "billing_view", "plan_upgrade_view", "help_open",
    "feedback_submit", "tag_add", "mention", "calendar_sync", "import_start",
    "import_complete", "webhook_create", "sso_login", "admin_audit_view",
    "logout",
]
assert len(EVENT_NAMES) == 40

INDUSTRIES = [
    "Software", "Financial Services", "Healthcare", "Retail", "Manufacturing",
    "Education", "Media", "Logistics", "Real Estate", "Energy",
    "Telecommunications", "Nonprofit",
]
COUNTRIES = [
    "US", "GB", "DE", "FR", "CA", "NL", "AU", "IN", "BR", "ES", "SE", "IT",
    "JP", "SG", "IE", "PL", "MX", "CH", "DK", "ZA",
]
PLANS = [("starter", 49.0), ("pro", 199.0), ("business", 599.0), ("enterprise", 2500.0)]
NAME_A = ["Acme", "Blue", "Bright", "Cedar", "Delta", "Echo", "Fern", "Globe",
          "Harbor", "Iron", "Juniper", "Kite", "Lumen", "Maple", "Nova", "Orbit",
          "Pine", "Quartz", "River", "Summit", "Terra", "Umber", "Vertex", "Willow"]
NAME_B = ["Labs", "Systems", "Works", "Analytics", "Health", "Logistics",
          "Partners", "Group", "Digital", "Cloud", "Foods", "Capital", "Media",
          "Energy", "Robotics", "Studio"]


def parse_size(text: str) -> int:
    """Parse ``5M``, ``200M``, ``1.5M``, ``50k``, ``1_000`` or a plain integer."""
    m = re.fullmatch(r"\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*([kKmMgGbB]?)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}")
    mult = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "b": 10**9}[m.group(2).lower()]
    return int(round(float(m.group(1).replace("_", "")) * mult))


def size_label(n: int) -> str:
    """Inverse of :func:`parse_size` for round numbers (directory names)."""
    for unit, mult in (("M", 10**6), ("k", 10**3)):
        if n % mult == 0:
            return f"{n // mult}{unit}"
    return str(n)


def accounts_for(n_events: int) -> int:
    """Account count for an event count: 4 per 1,000 events, in [100, 200,000]."""
    return int(min(200_000, max(100, n_events * 4 // 1000)))


@dataclass
class Accounts:
    """Per-account latent parameters shared by all generated tables."""

    ids: pa.StringArray          # "acc_000123"
    weight: np.ndarray           # base activity weight (0 for dormant)
    start_day: np.ndarray        # first active day index (0..364), may be < 0
    end_day: np.ndarray          # last active day index + 1, may be > 365
    growth: np.ndarray           # log growth per year
    n_users: np.ndarray          # users per account
    user_offset: np.ndarray      # index of the account's first user in users


def make_accounts(rng: np.random.Generator, n_acc: int, n_events: int) -> Accounts:
    """Draw account activity weights, lifetimes and user counts."""
    rank = rng.permutation(n_acc)                    # rank 0 = most active
    weight = 1.0 / (rank + 10.0)
    dormant = rng.random(n_acc) < 0.05
    weight[dormant] = 0.0
    start = np.full(n_acc, -10_000, dtype=np.int64)
    late_start = rng.random(n_acc) < 0.30
    start[late_start] = rng.integers(0, 330, late_start.sum())
    end = np.full(n_acc, 10_000, dtype=np.int64)
    churn = rng.random(n_acc) < 0.15
    end[churn] = np.maximum(start[churn], 0) + rng.integers(14, 365, churn.sum())
    growth = rng.normal(0.0, 0.8, n_acc)
    expected = n_events * weight / weight.sum()
    n_users = (1 + np.sqrt(expected) / 2).astype(np.int64).clip(1, 2_000)
    user_offset = np.concatenate([[0], np.cumsum(n_users)[:-1]])
    ids = pa.array([f"acc_{i:06d}" for i in range(n_acc)], pa.string())
    return Accounts(ids, weight, start, end, growth, n_users, user_offset)


def day_counts(rng: np.random.Generator, n_events: int, late_fraction: float) -> np.ndarray:
    """Events per day for days 0..365 (365 = day after as-of), growth + weekly cycle."""
    days = np.arange(365)
    weekday = (days + 3) % 7                         # arbitrary fixed phase
    p = (1.0 + 0.4 * days / 364) * np.where(weekday >= 5, 0.45, 1.0)
    p = p / p.sum()
    n_late = int(round(n_events * late_fraction))
    counts = rng.multinomial(n_events - n_late, p)
    return np.append(counts, n_late)


def write_events(rng: np.random.Generator, acc: Accounts, counts: np.ndarray,
                 day0_us: int, out: Path, text_formats: list[str],
                 text_rows: int | None) -> dict[str, int]:
    """Generate the event log day by day and stream it to Parquet (+ text)."""
    schema = pa.schema([
        ("account_id", pa.string()), ("user_id", pa.string()),
        ("event", pa.string()), ("timestamp", pa.timestamp("us", tz="UTC")),
    ])
    n_users_total = int(acc.n_users.sum())
    width = max(7, len(str(n_users_total)))
    # Building 200M Python strings is too slow: keep dictionaries and `take`.
    user_dict = pa.array([f"usr_{i:0{width}d}" for i in range(n_users_total)], pa.string())
    event_dict = pa.array(EVENT_NAMES, pa.string())
    ev_w = 1.0 / np.arange(1, 41) ** 1.2
    ev_cdf = np.cumsum(ev_w / ev_w.sum())
    ev_perm = rng.permutation(40)  # which name gets which popularity rank

    writer = pq.ParquetWriter(out / "events.parquet", schema, compression="zstd",
                              compression_level=1)
    text_writers: dict[str, object] = {}
    if "csv" in text_formats:
        text_writers["csv"] = pcsv.CSVWriter(
            out / "events.csv",
            pa.schema([(f.name, pa.string()) for f in schema]))
    if "jsonl" in text_formats:
        text_writers["jsonl"] = open(out / "events.jsonl", "wb")
    text_left = text_rows if text_rows is not None else 1 << 62

    buf: list[pa.Table] = []
    buffered = 0
    total = 0
    days_idx = np.arange(len(counts))

    def flush(final: bool) -> None:
        nonlocal buf, buffered, text_left
        if not buf:
            return
        table = pa.concat_tables(buf)
        cut = table.num_rows if final else (table.num_rows // ROW_GROUP) * ROW_GROUP
        if cut == 0:
            return
        head, tail = table.slice(0, cut), table.slice(cut)
        writer.write_table(head, row_group_size=ROW_GROUP)
        if text_writers and text_left > 0:
            part = head.slice(0, min(text_left, head.num_rows))
            text_left -= part.num_rows
            _write_text(part, text_writers)
        buf, buffered = ([tail] if tail.num_rows else []), tail.num_rows

    for d in days_idx:
        n = int(counts[d])
        if n == 0:
            continue
        active = (acc.start_day <= d) & (d < acc.end_day)
        w = acc.weight * active * np.exp(acc.growth * (min(d, 364) - 182) / 365.0)
        cdf = np.cumsum(w)
        a = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
        a = np.minimum(a, len(cdf) - 1)
        local = (acc.n_users[a] * rng.random(n) ** 2.5).astype(np.int64)
        uidx = acc.user_offset[a] + local
        user_null = rng.random(n) < 0.02
        e = ev_perm[np.minimum(np.searchsorted(ev_cdf, rng.random(n)), 39)]
        ts = np.sort(rng.integers(0, DAY_US, n)) + (day0_us + int(d) * DAY_US)
        tbl = pa.table({
            "account_id": acc.ids.take(pa.array(a)),
            "user_id": user_dict.take(pa.array(uidx, mask=user_null)),
            "event": event_dict.take(pa.array(e)),
            "timestamp": pa.array(ts, pa.timestamp("us", tz="UTC")),
        }, schema=schema)
        buf.append(tbl)
        buffered += n
        total += n
        if buffered >= ROW_GROUP:
            flush(final=False)
    flush(final=True)
    writer.close()
    for w_ in text_writers.values():
        w_.close()  # type: ignore[attr-defined]
    return {"events_written": total, "events_after_as_of": int(counts[-1])}


def _iso(ts: pa.ChunkedArray | pa.Array) -> pa.Array:
    return pc.strftime(ts, format="%Y-%m-%dT%H:%M:%SZ")


def _write_text(part: pa.Table, writers: dict[str, object]) -> None:
    """Append a slice of the event log to the CSV / JSONL writers, vectorised."""
    cols = {
        "account_id": part["account_id"], "user_id": part["user_id"],
        "event": part["event"], "timestamp": _iso(part["timestamp"]),
    }
    if "csv" in writers:
        writers["csv"].write_table(pa.table(cols))  # type: ignore[attr-defined]
    if "jsonl" in writers:
        q = lambda c: pc.binary_join_element_wise('"', c, '"', "")  # noqa: E731
        user = pc.fill_null(q(cols["user_id"]), "null")
        line = pc.binary_join_element_wise(
            '{"account_id":"', cols["account_id"], '","user_id":', user,
            ',"event":"', cols["event"], '","timestamp":"', cols["timestamp"], '"}\n', "")
        fh = writers["jsonl"]
        for chunk in line.chunks:  # raw UTF-8 data buffer, no per-row Python
            _, off_buf, data = chunk.buffers()
            offs = np.frombuffer(off_buf, dtype=np.int32)  # type: ignore[call-overload]
            lo, hi = int(offs[chunk.offset]), int(offs[chunk.offset + len(chunk)])
            fh.write(memoryview(data)[lo:hi])  # type: ignore[arg-type]


def write_accounts(rng: np.random.Generator, acc: Accounts, day0_us: int, out: Path) -> None:
    """accounts.parquet + accounts.csv, consistent with event lifetimes."""
    n = len(acc.weight)
    start = np.maximum(acc.start_day, -3 * 365)
    created_day = np.where(acc.start_day < 0, -rng.integers(1, 3 * 365, n), start - rng.integers(0, 14, n))
    created = day0_us + created_day * DAY_US + rng.integers(0, DAY_US, n)
    employees = np.maximum(1, rng.lognormal(3.5, 1.6, n)).astype(np.int64)
    ind_w = 1.0 / np.arange(1, len(INDUSTRIES) + 1)
    cty_w = 1.0 / np.arange(1, len(COUNTRIES) + 1) ** 1.3
    industry = rng.choice(len(INDUSTRIES), n, p=ind_w / ind_w.sum())
    country = rng.choice(len(COUNTRIES), n, p=cty_w / cty_w.sum())
    na, nb = rng.integers(0, len(NAME_A), n), rng.integers(0, len(NAME_B), n)
    names = [f"{NAME_A[x]} {NAME_B[y]} {i}" for i, (x, y) in enumerate(zip(na, nb))]
    tbl = pa.table({
        "account_id": acc.ids,
        "name": pa.array(names, pa.string()),
        "created_at": pa.array(created, pa.timestamp("us", tz="UTC")),
        "employees": pa.array(employees),
        "industry": pa.array(INDUSTRIES, pa.string()).take(pa.array(industry)),
        "country": pa.array(COUNTRIES, pa.string()).take(pa.array(country)),
    })
    pq.write_table(tbl, out / "accounts.parquet", compression="zstd")
    csv_tbl = tbl.set_column(2, "created_at", _iso(tbl["created_at"]))
    pcsv.write_csv(csv_tbl, out / "accounts.csv")


def write_subscriptions(rng: np.random.Generator, acc: Accounts, as_of: dt.date,
                        out: Path, periods: np.ndarray | None = None,
                        name: str = "subscriptions.csv") -> int:
    """subscriptions.csv: 1-3 plan periods per account (or ``periods``); churned ones end."""
    n = len(acc.weight)
    k = rng.choice([1, 2, 3], n, p=[0.6, 0.3, 0.1]) if periods is None else periods
    owner = np.repeat(np.arange(n), k)
    seq = np.concatenate([np.arange(x) for x in k]) if n else np.array([], int)
    last = seq == (k[owner] - 1)
    # Subscription periods partition [first_start, end): boundaries per account.
    first = np.maximum(acc.start_day, -2 * 365)[owner]
    end = np.minimum(acc.end_day, 365)[owner]
    span = np.maximum(end - first, 1)
    frac = seq / k[owner]
    started = first + (span * frac).astype(np.int64)
    ended = first + (span * (seq + 1) / k[owner]).astype(np.int64)
    churned = (acc.end_day <= 364)[owner]
    active = last & ~churned
    plan = np.minimum(3, (rng.random(len(owner)) ** 1.8 * 4).astype(np.int64) + seq)
    seats = np.maximum(1, rng.lognormal(1.5, 1.0, len(owner))).round()
    mrr = np.round(np.array([p[1] for p in PLANS])[plan] * np.where(plan == 3, 1.0, seats / 3 + 1), 2)
    status = np.where(active, "active", np.where(last, "canceled", "replaced"))
    past_due = active & (rng.random(len(owner)) < 0.03)
    status = np.where(past_due, "past_due", status)
    day0 = as_of - dt.timedelta(days=364)
    to_date = lambda d: (day0 + dt.timedelta(days=int(d))).isoformat()  # noqa: E731
    tbl = pa.table({
        "subscription_id": pa.array([f"sub_{i:07d}" for i in range(len(owner))]),
        "account_id": acc.ids.take(pa.array(owner)),
        "started_at": pa.array([to_date(d) for d in started]),
        "ended_at": pa.array([None if a else to_date(d) for a, d in zip(active, ended)], pa.string()),
        "status": pa.array(status.tolist()),
        "plan": pa.array(np.array([p[0] for p in PLANS])[plan].tolist()),
        "mrr": pa.array(mrr),
    })
    # Empty field (not "null") for active subscriptions' ended_at.
    pcsv.write_csv(tbl, out / name, pcsv.WriteOptions(quoting_style="needed"))
    return len(owner)


def generate(n_events: int, seed: int, out: Path, formats: list[str],
             as_of: dt.date, late_fraction: float = 0.001,
             text_rows: int | None = None) -> dict[str, object]:
    """Write one data set; returns (and stores) the manifest."""
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    # Independent streams: the accounts' latent traits and the accounts /
    # subscriptions tables depend only on (seed, account count), so 50M and
    # 200M share them; the event stream is the only thing that grows.
    acc_ss, ev_ss, tab_ss = np.random.SeedSequence(seed).spawn(3)
    n_acc = accounts_for(n_events)
    acc = make_accounts(np.random.default_rng(acc_ss), n_acc, n_events)
    rng = np.random.default_rng(ev_ss)
    day0 = dt.datetime.combine(as_of - dt.timedelta(days=364), dt.time(), dt.timezone.utc)
    day0_us = int(day0.timestamp()) * 1_000_000
    counts = day_counts(rng, n_events, late_fraction)
    ev = write_events(rng, acc, counts, day0_us, out,
                      [f for f in formats if f in ("csv", "jsonl")], text_rows)
    tab_rng = np.random.default_rng(tab_ss)
    write_accounts(tab_rng, acc, day0_us, out)
    n_subs = write_subscriptions(tab_rng, acc, as_of, out)
    manifest: dict[str, object] = {
        "generator_version": GENERATOR_VERSION, "seed": seed, "events": n_events,
        "accounts": n_acc, "subscriptions": n_subs, "as_of": as_of.isoformat(),
        "late_fraction": late_fraction, "formats": formats, "text_rows": text_rows,
        "events_before_end": ev["events_written"] - ev["events_after_as_of"],
        **ev, "seconds": round(time.perf_counter() - t0, 2),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="Example: python benchmarks/generate.py --events 5M "
                                       "--seed 42 --out benchmarks/data/5M")
    p.add_argument("--events", type=parse_size, default=parse_size("5M"),
                   help="number of events: 5M, 20M, 50M, 200M or an integer (default 5M)")
    p.add_argument("--seed", type=int, default=42, help="numpy Generator seed (default 42)")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.add_argument("--formats", default="parquet",
                   help="comma list of parquet,csv,jsonl (parquet is always written)")
    p.add_argument("--text-rows", type=parse_size, default=None,
                   help="limit CSV/JSONL to the first N events (default: all)")
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date.fromisoformat(DEFAULT_AS_OF),
                   help=f"last day of the 365-day window, UTC (default {DEFAULT_AS_OF})")
    p.add_argument("--late-fraction", type=float, default=0.001,
                   help="share of events dated the day after --as-of (default 0.001)")
    a = p.parse_args(argv)
    formats = [f.strip() for f in a.formats.split(",") if f.strip()]
    bad = set(formats) - {"parquet", "csv", "jsonl"}
    if bad:
        p.error(f"unknown formats: {sorted(bad)}")
    m = generate(a.events, a.seed, a.out, sorted(set(formats) | {"parquet"}),
                 a.as_of, a.late_fraction, a.text_rows)
    print(json.dumps(m), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

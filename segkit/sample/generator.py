"""Seeded sample exports shaped like real ones, with effects planted for tests to recover.

Files: ``companies.csv`` (HubSpot companies export labels), ``subscriptions.csv`` (Stripe
dashboard labels, with the CRM id in an ``account_id (metadata)`` column), ``events.jsonl.gz``
(Segment track calls with ``context.groupId``) and ``nps.csv`` (a survey export).

Planted effects (what ``tests/test_planted_effects.py`` checks segkit finds):
- churn falls with company size: monthly hazard 4.5% SMB, 2% Mid-Market, 0.8% Enterprise;
- annual plans churn less: their hazard is 0.35x, and they can only end at a renewal;
- Computer Software companies convert more: 80% against 45% for other industries;
- usage falls before churn, and promoters churn less than detractors;
- seat changes: about a quarter of subscriptions change seats once (annual plans at a renewal),
  written as a new subscription version (the old row ends when the new one starts), so MRR
  movements show expansion (70% of changes) and contraction;
- activation: an ``Onboarding Completed`` key event, done by 80% of Enterprise, 65% of
  Mid-Market and 50% of SMB accounts that have events, a few days after signup (exponential,
  mean 6 days); configs/samples.toml sets it as ``metrics.activation_event``.

The planted seat changes and key events draw from their own generator, so the other effects
(and the rows they produce) do not depend on them.
"""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

AS_OF = pd.Timestamp("2025-12-31 23:59", tz="UTC")
START = pd.Timestamp("2022-01-01", tz="UTC")
INDUSTRIES = [
    ("Computer Software", 0.30), ("Information Technology and Services", 0.15), ("Financial Services", 0.12),
    ("Retail", 0.12), ("Marketing and Advertising", 0.11), ("Hospital & Health Care", 0.10), ("Education Management", 0.10),
]
COUNTRIES = [
    ("United States", 0.34), ("United Kingdom", 0.10), ("Germany", 0.09), ("DE", 0.02), ("France", 0.06),
    ("Canada", 0.06), ("Netherlands", 0.04), ("Brazil", 0.05), ("India", 0.06), ("Japan", 0.04),
    ("Australia", 0.05), ("USA", 0.03), ("South Africa", 0.03), ("Singapore", 0.03),
]
CITIES = {"United States": "Austin", "USA": "Boston", "United Kingdom": "London", "Germany": "Berlin", "DE": "Munich", "France": "Paris",
          "Canada": "Toronto", "Netherlands": "Amsterdam", "Brazil": "São Paulo", "India": "Bengaluru", "Japan": "Tokyo",
          "Australia": "Sydney", "South Africa": "Cape Town", "Singapore": "Singapore"}
EVENTS = ["Page Viewed", "Report Created", "Dashboard Shared", "Integration Connected", "User Invited",
          "Export Downloaded", "Alert Configured", "Comment Added"]
SIZE_HAZARD = {"SMB": 0.045, "Mid-Market": 0.02, "Enterprise": 0.008}
KEY_EVENT = "Onboarding Completed"
KEY_EVENT_SHARE = {"SMB": 0.5, "Mid-Market": 0.65, "Enterprise": 0.8}
SEAT_CHANGE_SHARE = 0.25
PLANS = {"Starter": 29.0, "Growth": 79.0, "Business": 199.0, "Enterprise": 399.0}


def _choice(rng: np.random.Generator, table: list[tuple[str, float]], n: int) -> np.ndarray:
    names, weights = zip(*table)
    p = np.array(weights) / sum(weights)
    return rng.choice(np.array(names, dtype=object), size=n, p=p)


def _fmt_hubspot(ts: pd.Timestamp) -> str:
    return ts.tz_convert("UTC").strftime("%Y-%m-%d %H:%M")


def _fmt_stripe(ts: pd.Timestamp | None) -> str:
    return "" if ts is None or pd.isna(ts) else ts.tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class _Accounts:
    """The per-account draws, made once in a fixed order (the seed gives the same files)."""

    ids: list[str]
    industry: np.ndarray
    employees: np.ndarray
    size: np.ndarray
    revenue: np.ndarray
    country: np.ndarray
    created: list[pd.Timestamp]
    converts: np.ndarray
    annual: np.ndarray
    plan_for: np.ndarray
    seats: np.ndarray
    nps_class: np.ndarray


@dataclass
class _Rows:
    companies: list[dict[str, str]] = field(default_factory=list)
    subscriptions: list[dict[str, str]] = field(default_factory=list)
    surveys: list[dict[str, str]] = field(default_factory=list)
    churn_at: list[pd.Timestamp | None] = field(default_factory=list)
    pay_start: list[pd.Timestamp | None] = field(default_factory=list)


def write_sample(out_dir: Path, *, accounts: int = 300, seed: int = 7) -> list[Path]:
    """Write the four exports to ``out_dir``; the same seed gives byte-identical files."""
    rng = np.random.default_rng(seed)
    planted = np.random.default_rng([seed, 5])  # seat changes and key events (see the module docstring)
    out_dir.mkdir(parents=True, exist_ok=True)
    acc = _draw_accounts(rng, accounts)
    rows = _Rows()
    for i in range(accounts):
        _account_rows(rng, planted, acc, i, rows)
    _add_dirty_rows(rows.companies)
    paths = [
        _write_csv(out_dir / "companies.csv", rows.companies),
        _write_csv(out_dir / "subscriptions.csv", rows.subscriptions),
        _write_csv(out_dir / "nps.csv", sorted(rows.surveys, key=lambda r: r["Submitted At"])),
    ]
    key_events = _key_events(planted, acc.ids, acc.created, acc.size, rows.churn_at)
    paths.append(_write_events(out_dir / "events.jsonl.gz", rng, acc.ids, acc.created, rows.pay_start, rows.churn_at,
                               acc.seats, key_events))
    return paths


def _draw_accounts(rng: np.random.Generator, n: int) -> _Accounts:
    ids = [f"{9_000_000_000 + i * 7919:012d}" for i in range(n)]
    industry = _choice(rng, INDUSTRIES, n)
    employees = np.clip(np.round(np.exp(rng.normal(4.6, 1.6, n))), 1, 50_000).astype(int)
    size = np.where(employees >= 1000, "Enterprise", np.where(employees >= 100, "Mid-Market", "SMB"))
    revenue = np.round(employees * rng.lognormal(11.6, 0.5, n), -3)
    country = _choice(rng, COUNTRIES, n)
    span_days = (AS_OF - START).days - 20
    created = [START + pd.Timedelta(days=float(d)) + pd.Timedelta(minutes=int(m)) for d, m in zip(rng.uniform(0, span_days, n), rng.integers(0, 1440, n))]
    software = industry == "Computer Software"
    converts = rng.random(n) < np.where(software, 0.80, 0.45)
    annual = rng.random(n) < np.where(size == "Enterprise", 0.7, np.where(size == "Mid-Market", 0.45, 0.25))
    plan_for = np.where(size == "Enterprise", "Enterprise", np.where(size == "Mid-Market", rng.choice(["Growth", "Business"], n), rng.choice(["Starter", "Growth"], n)))
    seats = np.where(size == "Enterprise", rng.integers(5, 40, n), np.where(size == "Mid-Market", rng.integers(2, 12, n), rng.integers(1, 4, n)))
    nps_class = rng.choice(["promoter", "passive", "detractor"], size=n, p=[0.45, 0.3, 0.25])
    return _Accounts(ids, industry, employees, size, revenue, country, created, converts, annual, plan_for, seats, nps_class)


def _account_rows(rng: np.random.Generator, planted: np.random.Generator, acc: _Accounts, i: int, rows: _Rows) -> None:
    """One account's company row, subscription versions and survey answer, in the draw order."""
    start = _paid_start(rng, acc, i)
    end = None
    if start is not None:
        end = _subscription_rows(rng, planted, acc, i, start, rows.subscriptions)
    elif rng.random() < 0.1 and acc.created[i] > AS_OF - pd.Timedelta(days=20):
        pass  # the draw keeps the random stream of earlier samples
    rows.churn_at.append(end)
    rows.pay_start.append(start)
    stage = "customer" if start is not None and end is None else ("other" if end is not None else rng.choice(["lead", "marketingqualifiedlead", "opportunity"]))
    rows.companies.append(_company_row(acc, i, stage))
    if start is not None and rng.random() < 0.7:
        when = start + pd.Timedelta(days=float(rng.uniform(30, 300)))
        if (end is None or when < end) and when < AS_OF:
            rows.surveys.append(_survey_row(rng, acc, i, when))


def _paid_start(rng: np.random.Generator, acc: _Accounts, i: int) -> pd.Timestamp | None:
    if not acc.converts[i]:
        return None
    delay = float(rng.exponential(25))
    trial = rng.random() < 0.6
    start = acc.created[i] + pd.Timedelta(days=delay + (14 if trial else 0))
    return None if start > AS_OF - pd.Timedelta(days=1) else start


def _subscription_rows(rng: np.random.Generator, planted: np.random.Generator, acc: _Accounts, i: int,
                       start: pd.Timestamp, out: list[dict[str, str]]) -> pd.Timestamp | None:
    """Append the account's subscription version(s); returns the churn date (None if still paying)."""
    annual = bool(acc.annual[i])
    hazard = SIZE_HAZARD[acc.size[i]] * (0.35 if annual else 1.0)
    hazard *= {"promoter": 0.6, "passive": 1.0, "detractor": 1.6}[acc.nps_class[i]]
    # Capped: a tiny hazard can draw thousands of years, past pandas' datetime range
    # (such an end is after AS_OF, so None, either way; the random stream is unchanged).
    months = min(int(rng.geometric(min(hazard, 0.99))), 1200)
    if annual:
        months = int(np.ceil(months / 12) * 12)
    end = start + pd.DateOffset(months=months)
    if end > AS_OF:
        end = None
    amount = PLANS[acc.plan_for[i]] * acc.seats[i] * (10 if annual else 1)
    status = "canceled" if end is not None else ("past_due" if rng.random() < 0.04 else "active")
    trial_start = start - pd.Timedelta(days=14) if rng.random() < 0.5 else None
    period_len = pd.DateOffset(years=1) if annual else pd.DateOffset(months=1)
    canceled = None if end is None else end - pd.Timedelta(days=int(rng.integers(0, 25)))
    row = {
        "id": f"sub_{rng.integers(16**10, 16**11):x}",
        "Customer ID": f"cus_{i:06d}{rng.integers(1000, 9999)}",
        "Customer Email": f"billing@company{i}.example",
        "Status": status,
        "Plan": acc.plan_for[i],
        "Created (UTC)": _fmt_stripe(start - pd.Timedelta(days=1)),
        "Start (UTC)": _fmt_stripe(start),
        "Current Period Start (UTC)": _fmt_stripe(start if end is None else end - period_len),
        "Current Period End (UTC)": _fmt_stripe((start if end is None else end - period_len) + period_len),
        "Trial Start (UTC)": _fmt_stripe(trial_start),
        "Trial End (UTC)": _fmt_stripe(start if trial_start is not None else None),
        "Canceled At (UTC)": _fmt_stripe(canceled),
        "Ended At (UTC)": _fmt_stripe(end),
        "Amount": f"{amount:.2f}",
        "Interval": "year" if annual else "month",
        "Quantity": "1",
        "account_id (metadata)": acc.ids[i],
    }
    change = _seat_change(planted, start, end, annual, int(acc.seats[i]))
    if change is None:
        out.append(row)
    else:
        when, new_seats = change
        out.extend(_split_version(row, when, amount * new_seats / acc.seats[i], period_len))
    return end


def _company_row(acc: _Accounts, i: int, stage: str) -> dict[str, str]:
    return {
        "Record ID": acc.ids[i],
        "Company name": f"{['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Tyrell'][i % 8]} {i}",
        "Company Domain Name": f"company{i}.example",
        "Industry": acc.industry[i],
        "Number of Employees": str(int(acc.employees[i])),
        "Annual Revenue": f"{acc.revenue[i]:.0f}",
        "Country/Region": acc.country[i],
        "City": CITIES[acc.country[i]],
        "Lifecycle Stage": stage,
        "Create Date": _fmt_hubspot(acc.created[i]),
    }


def _survey_row(rng: np.random.Generator, acc: _Accounts, i: int, when: pd.Timestamp) -> dict[str, str]:
    low, high = {"promoter": (9, 10), "passive": (7, 8), "detractor": (0, 6)}[acc.nps_class[i]]
    return {
        "Response ID": f"R_{i:05d}",
        "Company ID": acc.ids[i],
        "Respondent": f"user{i}@company{i}.example",
        "Submitted At": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "How likely are you to recommend us? (0-10)": str(int(rng.integers(low, high + 1))),
        "Main need": rng.choice(["Reporting", "Collaboration", "Automation", "Integrations"]),
    }


def _add_dirty_rows(company_rows: list[dict[str, str]]) -> None:
    """Dirty rows a real export has: they must be rejected with reasons, not crash the run."""
    company_rows.append({**company_rows[0], "Record ID": "", "Company name": "Row without id"})
    company_rows.append({**company_rows[1], "Record ID": "009999999999", "Company name": "Range in a number cell", "Number of Employees": "50-100"})
    company_rows.append({**company_rows[2], "Company name": company_rows[2]["Company name"] + " (re-exported)"})


def _seat_change(rng: np.random.Generator, start: pd.Timestamp, end: pd.Timestamp | None, annual: bool, seats: int) -> tuple[pd.Timestamp, int] | None:
    """One seat change for SEAT_CHANGE_SHARE of subscriptions: (when, new seat count), or None."""
    draw, position, direction, step = rng.random(), rng.random(), rng.random(), int(rng.integers(1, 4))
    if draw >= SEAT_CHANGE_SHARE:
        return None
    stop = min(end, AS_OF) if end is not None else AS_OF
    months = (stop.year - start.year) * 12 + stop.month - start.month
    unit = 12 if annual else 1
    slots = (months - 1) // unit  # whole periods strictly inside the paying time
    if slots < 1:
        return None
    when = start + pd.DateOffset(months=unit * (1 + int(position * slots)))
    if when >= stop:
        return None
    new_seats = seats + step if direction < 0.7 or seats <= step else seats - step
    return when, new_seats


def _split_version(row: dict[str, str], when: pd.Timestamp, amount: float, period_len: pd.DateOffset) -> list[dict[str, str]]:
    """The subscription as two versions: the old seats until ``when``, the new ones from then."""
    old = {**row, "Status": "canceled", "Ended At (UTC)": _fmt_stripe(when), "Canceled At (UTC)": _fmt_stripe(when),
           "Current Period Start (UTC)": _fmt_stripe(when - period_len), "Current Period End (UTC)": _fmt_stripe(when)}
    new = {**row, "Created (UTC)": _fmt_stripe(when), "Start (UTC)": _fmt_stripe(when), "Trial Start (UTC)": "",
           "Trial End (UTC)": "", "Amount": f"{amount:.2f}"}
    return [old, new]


def _key_events(rng: np.random.Generator, ids: list[str], created: list[pd.Timestamp], size: np.ndarray,
                churn_at: list) -> dict[int, pd.Timestamp]:
    """When each planted account first completed onboarding (the activation key event)."""
    out = {}
    for i in range(len(ids)):
        does, wait = rng.random(), float(rng.exponential(6.0))
        when = created[i] + pd.Timedelta(days=wait)
        if does < KEY_EVENT_SHARE[size[i]] and when < (churn_at[i] or AS_OF):
            out[i] = when
    return out


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _write_events(path: Path, rng: np.random.Generator, ids: list[str], created: list[pd.Timestamp],
                  pay_start: list, churn_at: list, seats: np.ndarray, key_events: dict[int, pd.Timestamp]) -> Path:
    """Segment track calls; usage is heavier for customers and fades in the months before churn."""
    window_start = AS_OF - pd.Timedelta(days=180)
    lines: list[str] = []
    for i, account in enumerate(ids):
        if pay_start[i] is None and rng.random() < 0.7:
            continue
        begin = max(window_start, pay_start[i] or created[i])
        stop = churn_at[i] or AS_OF
        if stop <= begin:
            continue
        days = (stop - begin).days
        rate = 0.6 + 0.4 * float(min(seats[i], 20))
        count = int(rng.poisson(rate * max(days, 1) / 7))
        if count == 0:
            continue
        offsets = np.sort(rng.uniform(0, (stop - begin).total_seconds(), count))
        if churn_at[i] is not None:
            keep = rng.random(count) < np.clip(1.3 - offsets / offsets.max(), 0.1, 1.0)
            offsets = offsets[keep]
        users = [f"u_{account[-6:]}_{k}" for k in range(int(min(seats[i], 8)))]
        for off in offsets:
            ts = begin + pd.Timedelta(seconds=float(off))
            lines.append(json.dumps({
                "type": "track",
                "event": str(rng.choice(EVENTS)),
                "userId": str(rng.choice(users)),
                "messageId": f"msg-{rng.integers(16**12, 16**13):x}",
                "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z",
                "context": {"groupId": account, "library": {"name": "analytics.js"}},
                "properties": {"plan_seats": int(seats[i])},
            }, sort_keys=True))
    for i, ts in sorted(key_events.items()):
        account = ids[i]
        lines.append(json.dumps({
            "type": "track", "event": KEY_EVENT, "userId": f"u_{account[-6:]}_0", "messageId": f"msg-key-{account}",
            "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z",
            "context": {"groupId": account, "library": {"name": "analytics.js"}}, "properties": {},
        }, sort_keys=True))
    # A Segment export also has calls with no group and some with a broken clock.
    lines.append(json.dumps({"type": "track", "event": "Page Viewed", "userId": "anonymous", "messageId": "msg-nogroup",
                             "timestamp": "2025-11-02T10:00:00.000Z", "context": {"library": {"name": "analytics.js"}}, "properties": {}}, sort_keys=True))
    lines.append(json.dumps({"type": "track", "event": "Page Viewed", "userId": "u_x", "messageId": "msg-badclock",
                             "timestamp": "not-a-time", "context": {"groupId": ids[0]}, "properties": {}}, sort_keys=True))
    with gzip.GzipFile(path, "wb", mtime=0) as handle:
        handle.write(("\n".join(lines) + "\n").encode("utf-8"))
    return path

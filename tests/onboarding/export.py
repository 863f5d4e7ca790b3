"""A multi-table SaaS export of our own making, in the shapes of issue 11 (five CSV files).

accounts, subscriptions (start/end dates, mrr_amount, plan_tier, seats, billing_frequency,
is_trial, churn_flag), feature usage keyed by subscription_id (usage_count,
usage_duration_secs, error_count), support tickets, churn events with reason codes. Seeded and
small, so every figure can be worked out by hand or with plain pandas (``expected_figures``).
The same rows can be written under three header styles (snake_case, CamelCase, "Spaced Labels").
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

AS_OF = dt.date(2024, 12, 31)
PERIOD_START = dt.date(2024, 1, 1)
STYLES = ("snake", "camel", "spaced")
#: Acronyms written in capitals in the CamelCase and spaced styles (``AccountID``, ``MRR Amount``).
ACRONYMS = {"id": "ID", "mrr": "MRR", "arr": "ARR"}

TABLES = {
    "accounts": ["account_id", "account_name", "industry", "country", "signup_date", "referral_source", "plan_tier",
                 "seats", "is_trial", "churn_flag"],
    "subscriptions": ["subscription_id", "account_id", "start_date", "end_date", "plan_tier", "seats", "mrr_amount",
                      "arr_amount", "is_trial", "upgrade_flag", "churn_flag", "billing_frequency"],
    "feature_usage": ["usage_id", "subscription_id", "usage_date", "feature_name", "usage_count", "usage_duration_secs",
                      "error_count", "is_beta_feature"],
    "support_tickets": ["ticket_id", "account_id", "submitted_at", "closed_at", "resolution_time_hours", "priority",
                        "first_response_time_minutes", "satisfaction_score", "escalation_flag"],
    "churn_events": ["churn_event_id", "account_id", "churn_date", "reason_code", "refund_amount_usd",
                     "preceding_upgrade_flag", "preceding_downgrade_flag", "is_reactivation", "feedback_text"],
}


def header(name: str, style: str) -> str:
    words = name.split("_")
    if style == "snake":
        return name
    if style == "camel":
        return "".join(ACRONYMS.get(w, w.capitalize()) for w in words)
    return " ".join(ACRONYMS.get(w, w.capitalize()) for w in words)


def build(n_accounts: int = 60, seed: int = 4) -> dict[str, pd.DataFrame]:
    """The five tables in snake_case, as plain pandas frames of text cells."""
    rng = np.random.default_rng(seed)
    ids = [f"A-{i:04d}" for i in range(1, n_accounts + 1)]
    accounts = pd.DataFrame({
        "account_id": ids,
        "account_name": [f"Company {i}" for i in range(1, n_accounts + 1)],
        "industry": rng.choice(["FinTech", "EdTech", "HealthTech", "DevTools"], n_accounts),
        "country": rng.choice(["US", "UK", "DE", "FR"], n_accounts),
        "signup_date": [str(dt.date(2022, 1, 1) + dt.timedelta(days=int(d))) for d in rng.integers(0, 700, n_accounts)],
        "referral_source": rng.choice(["ads", "partner", "organic"], n_accounts),
        "plan_tier": "", "seats": "", "is_trial": "", "churn_flag": "",
    })
    subs, churns = [], []
    for i, account in enumerate(ids):
        signup = dt.date.fromisoformat(accounts.at[i, "signup_date"])
        plan = ["Basic", "Pro", "Enterprise"][i % 3]
        seats = int(rng.integers(1, 40))
        price = {"Basic": 20, "Pro": 50, "Enterprise": 120}[plan]
        start = signup + dt.timedelta(days=int(rng.integers(0, 30)))
        # every fifth account churns in 2024 (with a churn event), every seventh has a second subscription
        end = dt.date(2024, 2, 1) + dt.timedelta(days=int(rng.integers(0, 300))) if i % 5 == 0 else None
        subs.append(_sub(len(subs), account, start, end, plan, seats, price * seats, i % 4 == 0))
        accounts.loc[i, ["plan_tier", "seats", "is_trial", "churn_flag"]] = [plan, str(seats), "False", str(end is not None)]
        if i % 7 == 0:
            subs.append(_sub(len(subs), account, dt.date(2024, 3, 1), None, "Basic", 2, 40, False))
        if end is not None and i % 7 != 0:
            churns.append({"churn_event_id": f"C-{len(churns) + 1:04d}", "account_id": account, "churn_date": str(end),
                           "reason_code": ["pricing", "support", "features", "budget"][len(churns) % 4],
                           "refund_amount_usd": "0", "preceding_upgrade_flag": "False", "preceding_downgrade_flag": "False",
                           "is_reactivation": "False", "feedback_text": "too expensive" if len(churns) % 4 == 0 else ""})
    subscriptions = pd.DataFrame(subs)
    usage = _usage(subscriptions, rng)
    tickets = _tickets(ids, rng)
    return {"accounts": accounts, "subscriptions": subscriptions, "feature_usage": usage,
            "support_tickets": tickets, "churn_events": pd.DataFrame(churns, columns=TABLES["churn_events"])}


def _sub(n: int, account: str, start: dt.date, end: dt.date | None, plan: str, seats: int, mrr: int, monthly: bool) -> dict:
    return {"subscription_id": f"S-{n + 1:05d}", "account_id": account, "start_date": str(start),
            "end_date": str(end) if end else "", "plan_tier": plan, "seats": str(seats), "mrr_amount": str(mrr),
            "arr_amount": str(12 * mrr), "billing_frequency": "monthly" if monthly else "annual", "is_trial": "False",
            "upgrade_flag": "False", "churn_flag": "True" if end else "False"}


def _usage(subscriptions: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for sub in subscriptions.itertuples():
        heavy = int(sub.subscription_id[-1]) % 3 == 0
        for _ in range(int(rng.integers(2, 12 if heavy else 5))):
            day = dt.date(2024, 1, 1) + dt.timedelta(days=int(rng.integers(0, 366)))
            rows.append({"usage_id": f"U-{len(rows) + 1:06d}", "subscription_id": sub.subscription_id,
                         "usage_date": str(day), "feature_name": str(rng.choice(["reports", "api", "dashboards", "export"])),
                         "usage_count": str(int(rng.integers(1, 30))), "usage_duration_secs": str(int(rng.integers(10, 4000))),
                         "error_count": str(int(rng.integers(0, 4))), "is_beta_feature": "False"})
    rows[0]["usage_date"] = str(AS_OF)  # the latest date anywhere: the default as-of
    return pd.DataFrame(rows, columns=TABLES["feature_usage"])


def _tickets(ids: list[str], rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for i, account in enumerate(ids):
        for _ in range(int(rng.integers(0, 9 if i % 3 == 2 else 3))):
            opened = dt.datetime(2024, 1, 1) + dt.timedelta(hours=int(rng.integers(0, 365 * 24)))
            solved = opened + dt.timedelta(hours=int(rng.integers(1, 96)))
            rows.append({"ticket_id": f"T-{len(rows) + 1:05d}", "account_id": account,
                         "submitted_at": opened.strftime("%Y-%m-%d %H:%M:%S"),
                         "closed_at": solved.strftime("%Y-%m-%d %H:%M:%S") if solved.date() < AS_OF else "",
                         "resolution_time_hours": str(int((solved - opened).total_seconds() // 3600)) if solved.date() < AS_OF else "",
                         "first_response_time_minutes": str(int(rng.integers(5, 300))),
                         "priority": str(rng.choice(["low", "medium", "high", "urgent"])),
                         "satisfaction_score": str(int(rng.integers(1, 6))),
                         "escalation_flag": "True" if rng.random() < 0.15 else "False"})
    return pd.DataFrame(rows, columns=TABLES["support_tickets"])


def write(directory: Path, style: str = "snake", tables: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """The five files under ``directory`` with ``style`` headers; returns their paths, sorted."""
    tables = tables or build()
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        path = directory / f"{name}.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([header(c, style) for c in TABLES[name]])
            writer.writerows(frame[TABLES[name]].itertuples(index=False))
        paths.append(path)
    return sorted(paths)

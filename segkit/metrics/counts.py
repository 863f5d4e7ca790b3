"""Counts: how many accounts a group has, its share of all accounts, and its paying customers."""

from __future__ import annotations

from typing import Any

from segkit.metrics.registry import Group, metric
from segkit.metrics.stats import ratio

DEFINITIONS = {
    "accounts": "number of accounts in the segment",
    "share_of_accounts": "accounts / all accounts",
    "customers": "accounts with a paying subscription at the end of the as-of date (MRR > 0; trialing, incomplete, incomplete_expired, unpaid and paused do not pay; past_due pays unless metrics.past_due = 'exclude')",
}


@metric(DEFINITIONS, suppress=("customers",))
def counts(group: Group) -> dict[str, Any]:
    accounts = len(group.rows)
    return {
        "accounts": accounts,
        "share_of_accounts": ratio(accounts, group.total_accounts),
        "customers": int(group.rows["is_customer"].sum()),
    }

"""Deals: win rate (all deals closed by as-of, and those closed within the period), average won
amount and median days from created to won, from the per-deal rows of ``FeatureSet.deal_rows``."""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.metrics.registry import Group, metric
from segkit.metrics.stats import ratio, wilson_list

DEFINITIONS = {
    "win_rate": "won / closed deals, over every deal closed on or before as-of (open deals excluded; a deal is closed by its is_closed/is_won flags or a won/lost stage)",
    "win_rate_ci": "95% Wilson score interval of win_rate",
    "win_rate_period": "won / closed deals, over the deals closed within the period",
    "win_rate_period_ci": "95% Wilson score interval of win_rate_period",
    "deals_closed": "deals closed on or before as-of",
    "deals_won": "deals won on or before as-of",
    "average_won_amount": "mean amount of the deals won on or before as-of (deals without an amount left out)",
    "median_days_to_won": "median days from a won deal's creation to its close date",
}
KEYS = tuple(DEFINITIONS)


def _median(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(values.median()) if len(values) else None


@metric(DEFINITIONS, suppress=KEYS)
def deals(group: Group) -> dict[str, Any]:
    rows = group.features.deal_rows
    if rows is None:
        return {}
    mine = rows[rows["account_id"].isin(group.rows.index)]
    closed, won = mine[mine["closed"]], mine[mine["won"]]
    in_period = closed[closed["closed_in_period"]]
    period_won = int(in_period["won"].sum())
    amounts = won["amount"].dropna()
    return {
        "deals_closed": len(closed),
        "deals_won": len(won),
        "win_rate": ratio(len(won), len(closed)),
        "win_rate_ci": wilson_list(len(won), len(closed)),
        "win_rate_period": ratio(period_won, len(in_period)),
        "win_rate_period_ci": wilson_list(period_won, len(in_period)),
        "average_won_amount": float(amounts.mean()) if len(amounts) else None,
        "median_days_to_won": _median(won["days_to_won"]),
    }

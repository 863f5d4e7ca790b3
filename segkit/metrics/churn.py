"""Churn: logo churn over the period (ChartMogul standard) and the monthly rate behind CLV."""

from __future__ import annotations

from typing import Any

from segkit.metrics.registry import Group, metric
from segkit.metrics.stats import ratio, wilson_list

DEFINITIONS = {
    "customers_at_start": "accounts paying at the period start (S)",
    "churned_customers": "customers paying at the period start and not paying at its end (ChartMogul standard: churned-and-reactivated within the period do not count)",
    "churn_rate": "churned_customers / customers_at_start",
    "churn_rate_ci": "95% Wilson score interval of churn_rate",
    "churn_events": "ends of paying spells (an account's overlapping subscriptions merged) within the period, including customers who joined during it",
    "customer_months": "months (365.25/12 days) accounts spent paying within the period",
    "monthly_churn_rate": "churn_events / customer_months",
}


@metric(DEFINITIONS, suppress=("customers_at_start", "churned_customers", "churn_rate", "churn_rate_ci", "churn_events",
                               "customer_months", "monthly_churn_rate"))
def churn(group: Group) -> dict[str, Any]:
    rows = group.rows
    at_start = int(rows["active_at_start"].sum())
    churned = int(rows["churned_in_period"].sum())
    churn_events = int(rows["churn_events"].sum())
    customer_months = float(rows["customer_months"].sum())
    return {
        "customers_at_start": at_start,
        "churned_customers": churned,
        "churn_rate": ratio(churned, at_start),
        "churn_rate_ci": wilson_list(churned, at_start),
        "churn_events": churn_events,
        "customer_months": customer_months,
        "monthly_churn_rate": ratio(churn_events, customer_months),
    }

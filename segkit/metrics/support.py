"""Support: ticket load, resolution time and CSAT (with tickets), churn reasons (with cancellations).

Ticket figures count the tickets created in the period; churn reasons count every cancellation
row dated in the period. The rows are ``FeatureSet.support`` (``segkit.features.support``); a
group's rows are those of its accounts. Without the table the figures are absent from the report.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.metrics.registry import Group, metric
from segkit.metrics.stats import ratio, wilson_list

TICKET_DEFINITIONS = {
    "tickets": "tickets created in the period by the segment's accounts",
    "tickets_per_account": "tickets / accounts",
    "tickets_per_account_month": "tickets / account-months, an account's months in the period counted from max(period start, created_at)",
    "escalation_rate": "escalated tickets / tickets (null when the export has no escalated column)",
    "escalation_rate_ci": "95% Wilson score interval of escalation_rate",
    "median_resolution_hours": "median hours from created_at to solved_at (or the export's resolution time) over the period's tickets solved by as-of",
    "csat": "satisfied / rated tickets of the period (good, or 4-5 on a 1..5 scale; unrated tickets are left out)",
    "csat_responses": "rated tickets behind csat",
}
CANCELLATION_DEFINITIONS = {
    "cancellations": "cancellation rows dated (canceled_at) in the period, of the segment's accounts",
    "churn_reasons": "{reason: cancellation rows} over the period's cancellations (the customer's feedback, else the billing system's code; '(no reason given)' when neither)",
    "churn_voluntary": "cancellations the customer asked for (the export's flag, or a code such as Stripe's cancellation_requested)",
    "churn_failed_payment": "cancellations after a failed payment (codes such as Stripe's payment_failed, Chargebee's not_paid and no_card)",
}


def _rows_of(group: Group, rows: pd.DataFrame) -> pd.DataFrame:
    return rows[rows["account_id"].isin(group.rows.index)]


@metric(TICKET_DEFINITIONS, suppress=tuple(TICKET_DEFINITIONS))
def tickets(group: Group) -> dict[str, Any]:
    support = group.features.support
    if support.tickets is None:
        return {}
    rows = _rows_of(group, support.tickets)
    n = len(rows)
    months = float(group.rows["support_account_months"].sum()) if "support_account_months" in group.rows else 0.0
    escalated = int(rows["escalated"].sum()) if support.has_escalation else None
    rated = rows["satisfied"].dropna()
    solved = rows["resolution_hours"].dropna()
    return {
        "tickets": n,
        "tickets_per_account": ratio(n, len(group.rows)),
        "tickets_per_account_month": ratio(n, months),
        "escalation_rate": ratio(escalated, n) if escalated is not None else None,
        "escalation_rate_ci": wilson_list(escalated, n) if escalated is not None else None,
        "median_resolution_hours": float(solved.median()) if len(solved) else None,
        "csat": ratio(int(rated.sum()), len(rated)) if support.has_satisfaction else None,
        "csat_responses": int(len(rated)) if support.has_satisfaction else None,
    }


@metric(CANCELLATION_DEFINITIONS, suppress=tuple(CANCELLATION_DEFINITIONS))
def cancellations(group: Group) -> dict[str, Any]:
    support = group.features.support
    if support.cancellations is None:
        return {}
    rows = _rows_of(group, support.cancellations)
    counts = rows["reason"].value_counts()
    reasons = {str(reason): int(count) for reason, count in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))}
    known = rows["voluntary"].dropna()
    return {
        "cancellations": len(rows),
        "churn_reasons": reasons,
        "churn_voluntary": int(known.sum()) if len(known) else None,
        "churn_failed_payment": int((~known.astype(bool)).sum()) if len(known) else None,
    }

"""Support and cancellation facts: the ``tickets`` and ``cancellations`` tables, per account and per row.

Per account (feature columns, present only when tickets are given): tickets created in the
period, the account-months the account was there for in the period, tickets per account-month,
escalations, median resolution hours and CSAT. The period's ticket and cancellation rows travel
with the feature set (``SupportRows``, like ``FeatureSet.billing``) because a segment's median
resolution time and its churn reasons are figures over rows, not sums of per-account figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segkit.features.period import DAYS_PER_MONTH, Period
from segkit.loading.model import Inputs

#: CSAT answers read as satisfied / not satisfied; anything else (Zendesk's "offered") is unrated.
SATISFIED = frozenset({"good", "satisfied", "positive", "happy", "great", "yes", "true", "thumbs up"})
UNSATISFIED = frozenset({"bad", "unsatisfied", "dissatisfied", "negative", "unhappy", "poor", "no", "false", "thumbs down"})
#: Billing systems' cancellation codes: the customer asked / a payment failed (docs/metrics.md).
VOLUNTARY_CODES = frozenset({"cancellation_requested", "voluntary", "customer_request", "requested", "user_cancelled"})
FAILED_PAYMENT_CODES = frozenset({
    "payment_failed", "not_paid", "no_card", "failed_payment", "involuntary", "dunning", "expired_card",
    "card_declined", "billing_error",
})
#: Label of a cancellation without any reason.
NO_REASON = "(no reason given)"

TICKET_FEATURES = {
    "support_tickets": "tickets created in the period",
    "support_account_months": "months the account existed in the period (from max(period start, created_at))",
    "support_tickets_per_month": "support_tickets / support_account_months",
    "support_escalations": "escalated tickets created in the period (null without an escalated column)",
    "support_resolution_hours": "median hours from created_at to solved_at of the period's tickets solved by as-of",
    "support_csat": "satisfied / rated tickets created in the period (good, or 4-5 on a 1..5 scale)",
}


@dataclass(frozen=True)
class SupportRows:
    """The period's ticket and cancellation rows, in the columns the support metrics read."""

    #: account_id, created_at, resolution_hours (NaN: unsolved), satisfied (boolean, NA: unrated), escalated (boolean)
    tickets: pd.DataFrame | None = None
    #: account_id, canceled_at, reason, voluntary (boolean, NA: the export does not say)
    cancellations: pd.DataFrame | None = None
    has_escalation: bool = False
    has_satisfaction: bool = False


def satisfaction_flags(values: pd.Series) -> pd.Series:
    """True (satisfied), False, or <NA> (not rated) per CSAT cell: good/bad words or a 1..5 score."""
    text = values.astype("string").str.strip().str.lower()
    numbers = pd.to_numeric(text, errors="coerce")
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    scored = numbers.between(1, 5)
    out[scored] = numbers[scored] >= 4
    out[text.isin(SATISFIED).fillna(False)] = True
    out[text.isin(UNSATISFIED).fillna(False)] = False
    return out


def voluntary_flags(frame: pd.DataFrame) -> pd.Series:
    """The export's voluntary flag where it has one, else derived from the billing system's reason code."""
    out = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    if "reason_code" in frame:
        code = frame["reason_code"].astype("string").str.strip().str.lower()
        out[code.isin(VOLUNTARY_CODES).fillna(False)] = True
        out[code.isin(FAILED_PAYMENT_CODES).fillna(False)] = False
    if "voluntary" in frame:
        given = frame["voluntary"].astype("boolean")
        out = given.where(given.notna(), out)
    return out


def _in_period(frame: pd.DataFrame, column: str, period: Period) -> pd.DataFrame:
    stamps = frame[column]
    return frame[stamps.notna() & (stamps >= period.start) & (stamps < period.end)]


def _ticket_rows(tickets: pd.DataFrame, period: Period) -> pd.DataFrame:
    rows = _in_period(tickets[tickets["account_id"].notna()], "created_at", period)
    hours = pd.Series(np.nan, index=rows.index, dtype="float64")
    if "resolution_minutes" in rows:
        hours = pd.to_numeric(rows["resolution_minutes"], errors="coerce").astype("float64") / 60.0
    if "solved_at" in rows:
        solved = rows["solved_at"].where(rows["solved_at"] < period.end)
        span = (solved - rows["created_at"]).dt.total_seconds() / 3600.0
        hours = span.where(span.notna() & (span >= 0), hours).astype("float64")
    satisfied = satisfaction_flags(rows["satisfaction"]) if "satisfaction" in rows else pd.Series(pd.NA, index=rows.index, dtype="boolean")
    escalated = rows["escalated"].astype("boolean") if "escalated" in rows else pd.Series(pd.NA, index=rows.index, dtype="boolean")
    return pd.DataFrame({
        "account_id": rows["account_id"].astype("string"), "created_at": rows["created_at"],
        "resolution_hours": hours, "satisfied": satisfied, "escalated": escalated,
    }).reset_index(drop=True)


def _cancellation_rows(cancellations: pd.DataFrame, period: Period) -> pd.DataFrame:
    rows = _in_period(cancellations[cancellations["account_id"].notna()], "canceled_at", period)
    reason = rows["reason"].astype("string").str.strip() if "reason" in rows else pd.Series(pd.NA, index=rows.index, dtype="string")
    if "reason_code" in rows:
        reason = reason.fillna(rows["reason_code"].astype("string").str.strip())
    reason = reason.replace("", pd.NA).fillna(NO_REASON)
    return pd.DataFrame({
        "account_id": rows["account_id"].astype("string"), "canceled_at": rows["canceled_at"],
        "reason": reason.astype("string"), "voluntary": voluntary_flags(rows),
    }).reset_index(drop=True)


def support_rows(inputs: Inputs, period: Period) -> SupportRows:
    """The period's tickets (by created_at) and cancellations (by canceled_at), or None for a table not given."""
    tickets = inputs.frame("tickets")
    cancellations = inputs.frame("cancellations")
    return SupportRows(
        tickets=_ticket_rows(tickets, period) if tickets is not None else None,
        cancellations=_cancellation_rows(cancellations, period) if cancellations is not None else None,
        has_escalation=tickets is not None and "escalated" in tickets and bool(tickets["escalated"].notna().any()),
        has_satisfaction=tickets is not None and "satisfaction" in tickets and bool(tickets["satisfaction"].notna().any()),
    )


def account_months(index: pd.Index, created_at: pd.Series | None, period: Period) -> pd.Series:
    """Months each account existed in the period: from max(period start, created_at) to the period end."""
    start = pd.Series(period.start, index=index)
    if created_at is not None:
        created = created_at.reindex(index)
        start = created.where(created.notna() & (created > period.start), start)
    days = (period.end - start).dt.total_seconds() / 86400.0
    return (days.clip(lower=0.0) / DAYS_PER_MONTH).astype("float64")


def support_facts(rows: SupportRows, frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The per-account ticket features (``TICKET_FEATURES``) for every account of ``frame``."""
    tickets = rows.tickets
    if tickets is None:
        return pd.DataFrame(index=frame.index)
    grouped = tickets.groupby("account_id")
    count = grouped.size().reindex(frame.index, fill_value=0).astype("int64")
    months = account_months(frame.index, frame["created_at"] if "created_at" in frame else None, period)
    facts = pd.DataFrame(index=frame.index)
    facts["support_tickets"] = count
    facts["support_account_months"] = months
    facts["support_tickets_per_month"] = (count / months.where(months > 0)).astype("float64")
    escalations = grouped["escalated"].sum().reindex(frame.index, fill_value=0).astype("int64")
    facts["support_escalations"] = escalations if rows.has_escalation else pd.Series(pd.NA, index=frame.index, dtype="Int64")
    facts["support_resolution_hours"] = grouped["resolution_hours"].median().reindex(frame.index).astype("float64")
    rated = tickets[tickets["satisfied"].notna()].groupby("account_id")["satisfied"]
    facts["support_csat"] = rated.mean().reindex(frame.index).astype("float64")
    return facts

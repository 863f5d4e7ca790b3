"""The canonical tables of SPEC section 1: what each column is and which are required.

Every loader maps an export onto these names and types; everything downstream reads only them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["id", "str", "int", "float", "datetime", "bool", "list"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    doc: str = ""


@dataclass(frozen=True)
class Dating:
    """A table's dates against as-of (SPEC 4 and 6; docs/tables.md, "Dates and as-of").

    ``row_date``: the row's own date (the first non-empty of these columns); a row dated after
    as-of is excluded and counted as ``rows_after_as_of``, never rejected. ``activity``: dates
    of things that happened (an event, a payment, a start, an answer); the latest of them is the
    default as-of. ``when_closed``: activity columns read only on closed rows (a deal's close date
    is the expected one while it is open). Every other date column is never the default as-of
    (forward-looking: ``ended_at`` of cancel-at-period-end, ``trial_end``, ``current_period_end``),
    and a value of it after as-of was not known then: censored (see ``loading.asof``).
    """

    row_date: tuple[str, ...] = ()
    activity: tuple[str, ...] = ()
    when_closed: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSchema:
    """A canonical table; ``required`` lists alternatives: each inner tuple needs one member."""

    name: str
    columns: tuple[Column, ...]
    required: tuple[tuple[str, ...], ...]
    key: str | None = None
    dating: Dating = Dating()

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def missing_required(self, present: set[str]) -> list[str]:
        """Required columns (or alternatives, joined with ' or ') absent from ``present``."""
        return [" or ".join(alts) for alts in self.required if not any(a in present for a in alts)]


C = Column

TABLES: dict[str, TableSchema] = {
    "accounts": TableSchema(
        "accounts",
        (
            C("account_id", "id", "Account / company id."),
            C("name", "str"),
            C("domain", "str"),
            C("created_at", "datetime", "When the account was created in the CRM (conversion cohort)."),
            C("industry", "str"),
            C("employees", "int"),
            C("annual_revenue", "float"),
            C("country", "str"),
            C("region", "str"),
            C("city", "str"),
            C("timezone", "str"),
            C("language", "str"),
            C("lifecycle_stage", "str"),
            C("customer_since", "datetime"),
            C("technologies", "list"),
            C("owner", "str"),
            C("founded_year", "int"),
            # A flat customer table (one row per customer, no billing history): see docs/inputs.md.
            C("churned", "bool", "Flat tables: the customer has churned (Yes/No, 1/0, true/false)."),
            C("tenure_months", "float", "Flat tables: months the customer has paid for."),
            C("mrr", "float", "Flat tables: monthly charges (major units)."),
        ),
        required=(("account_id",),),
        key="account_id",
        dating=Dating(row_date=("created_at",)),
    ),
    "subscriptions": TableSchema(
        "subscriptions",
        (
            C("subscription_id", "id"),
            C("account_id", "id"),
            C("status", "str"),
            C("plan", "str"),
            C("currency", "str"),
            C("started_at", "datetime"),
            C("canceled_at", "datetime", "When cancellation was requested (not the churn date)."),
            C("ended_at", "datetime", "When the subscription stopped: the churn date."),
            C("trial_start", "datetime"),
            C("trial_end", "datetime"),
            C("mrr", "float", "Monthly recurring revenue in major units."),
            C("amount", "float", "Price per interval (per unit when quantity is given)."),
            C("interval", "str", "day, week, month or year."),
            C("interval_count", "int"),
            C("quantity", "int"),
            C("discount", "float", "Recurring discount as a fraction (0.2 = 20% off)."),
            C("customer_id", "id", "Billing system's customer id (Stripe cus_...)."),
            C("customer_email", "str", "Joins to accounts.domain when account_id is empty (fuzzy, reported)."),
            C("arr", "float", "Annual recurring revenue; mrr = arr / 12 where mrr is not given."),
            C("is_trial", "bool", "The row is a trial; reported, not used (trial_end says when a trial ends)."),
            C("churned", "bool", "A churn flag; reported, not used: churn is read from ended_at."),
            C("current_period_end", "datetime", "End of the currently invoiced period: where an unpaid, paused or canceled row without ended_at stops paying."),
            C("user_id", "id", "The subscriber's user id: the file is then the user -> account map too (users table)."),
        ),
        required=(("account_id", "customer_email"), ("started_at",), ("mrr", "amount", "arr")),
        dating=Dating(row_date=("started_at",), activity=("started_at", "canceled_at")),
    ),
    "invoices": TableSchema(
        "invoices",
        (
            C("invoice_id", "id"),
            C("account_id", "id"),
            C("status", "str"),
            C("currency", "str"),
            C("amount_paid", "float"),
            C("paid_at", "datetime"),
            C("period_start", "datetime"),
            C("period_end", "datetime"),
            C("issued_at", "datetime", "Invoice date; stands in for paid_at when that is empty."),
            C("customer_id", "id"),
            C("customer_email", "str", "Joins to accounts.domain when account_id is empty (fuzzy, reported)."),
        ),
        required=(("account_id", "customer_email"), ("amount_paid",), ("paid_at", "issued_at")),
        dating=Dating(row_date=("paid_at", "issued_at"), activity=("paid_at", "issued_at")),
    ),
    "deals": TableSchema(
        "deals",
        (
            C("deal_id", "id"),
            C("account_id", "id"),
            C("created_at", "datetime"),
            C("stage", "str"),
            C("is_won", "bool"),
            C("is_closed", "bool"),
            C("closed_at", "datetime"),
            C("amount", "float"),
            C("currency", "str", "ISO currency code of amount (Salesforce CurrencyIsoCode in multi-currency orgs)."),
        ),
        required=(("account_id",), ("created_at",)),
        dating=Dating(row_date=("created_at",), activity=("created_at", "closed_at"), when_closed=("closed_at",)),
    ),
    "events": TableSchema(
        "events",
        (
            C("event_id", "id", "De-duplication key (Segment messageId, Mixpanel $insert_id)."),
            C("account_id", "id"),
            C("user_id", "id"),
            C("event", "str"),
            C("timestamp", "datetime"),
            C("call_type", "str", "Segment call type: only track calls are events; group calls map users to accounts."),
            C("group_id", "id", "Segment group call's groupId (the account of its userId)."),
            C("subscription_id", "id", "Reaches the account through the subscriptions table's subscription_id (whatever its dates) when account_id is empty."),
            C("count", "int", "How many times the event happened in this row (a usage export's usage_count): event counts are sums of it; empty is 1; negative, fractional or not a number rejects the row."),
            C("duration", "float", "Seconds of use in this row (usage_duration_secs): summed per account into duration_secs; negative or not a number rejects the row."),
            C("error_count", "int", "Errors in this row: summed per account into error_count; negative or not a number rejects the row."),
        ),
        required=(("account_id", "user_id", "subscription_id"), ("event",), ("timestamp",)),
        dating=Dating(row_date=("timestamp",), activity=("timestamp",)),
    ),
    "users": TableSchema(
        "users",
        (
            C("user_id", "id"), C("account_id", "id"), C("email", "str"), C("role", "str"),
            C("updated_at", "datetime", "When the mapping was seen (Segment group call time): the latest wins."),
        ),
        required=(("user_id",), ("account_id",)),
        key="user_id",
    ),
    "surveys": TableSchema(
        "surveys",
        (
            C("account_id", "id"),
            C("user_id", "id"),
            C("responded_at", "datetime"),
            C("score", "int", "NPS answer, an integer 0..10."),
            C("csat", "float"),
            C("ces", "float"),
        ),
        required=(("account_id", "user_id"), ("responded_at",)),
        dating=Dating(row_date=("responded_at",), activity=("responded_at",)),
    ),
    "tickets": TableSchema(
        "tickets",
        (
            C("ticket_id", "id"),
            C("account_id", "id"),
            C("user_id", "id", "The requester's user id: reaches the account through the users table."),
            C("requester_email", "str", "Reaches the account through accounts.domain when account_id is empty (fuzzy, reported)."),
            C("created_at", "datetime", "When the ticket (conversation) was opened."),
            C("status", "str"),
            C("priority", "str"),
            C("solved_at", "datetime", "When it was solved (resolved, closed): resolution time = solved_at - created_at."),
            C("resolution_minutes", "float", "Resolution time in minutes, used when solved_at is not given (Zendesk's full resolution time)."),
            C("first_response_minutes", "float"),
            C("satisfaction", "str", "CSAT rating: good/bad (Zendesk), or a 1..5 score (4 and 5 are satisfied)."),
            C("escalated", "bool"),
            C("channel", "str"),
        ),
        required=(("account_id", "user_id", "requester_email"), ("created_at",)),
        dating=Dating(row_date=("created_at",), activity=("created_at",)),
    ),
    "cancellations": TableSchema(
        "cancellations",
        (
            C("account_id", "id"),
            C("subscription_id", "id", "Reaches the account through the subscriptions when account_id is empty."),
            C("customer_id", "id", "Billing system's customer id: reaches the account through the subscriptions."),
            C("customer_email", "str", "Reaches the account through accounts.domain when nothing else does (fuzzy, reported)."),
            C("canceled_at", "datetime", "When the cancellation happened (churn_reasons counts rows dated in the period)."),
            C("reason", "str", "The churn reason counted by churn_reasons (the customer's feedback, else reason_code)."),
            C("reason_code", "str", "The billing system's own code (Stripe cancellation_details.reason, Chargebee cancel_reason)."),
            C("feedback", "str", "Free text (never written to outputs)."),
            C("refund_amount", "float"),
            C("voluntary", "bool", "True: the customer asked; false: failed payment. Derived from reason_code when absent."),
        ),
        required=(("account_id", "subscription_id", "customer_id", "customer_email"), ("canceled_at",)),
        dating=Dating(row_date=("canceled_at",), activity=("canceled_at",)),
    ),
    "fx_rates": TableSchema(
        "fx_rates",
        (
            C("date", "datetime", "The day the rate applies from: a reading uses the latest rate on or before its date."),
            C("currency", "str", "ISO 4217 code converted from (any case: Stripe writes usd)."),
            C("rate", "float", "Units of the reporting currency for one unit of currency (metrics.reporting_currency)."),
        ),
        required=(("date",), ("currency",), ("rate",)),
    ),
}

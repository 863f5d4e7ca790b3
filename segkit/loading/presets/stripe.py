"""Stripe billing exports: dashboard CSVs (major units) and API objects (cents).

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Header names: UI labels first, then API names; options in ``presets/base.py``.
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset, PresetOptions

#: Stripe metadata columns that hold the CRM's account id, tried in this order.
_STRIPE_ACCOUNT_ALIASES = (
    "account_id (metadata)", "crm_id (metadata)", "company_id (metadata)", "hubspot_company_id (metadata)",
    "salesforce_account_id (metadata)", "sfdc_account_id (metadata)", "customer_id (metadata)",
    "metadata.account_id", "metadata.crm_id", "metadata.company_id", "metadata.hubspot_company_id",
    "metadata.salesforce_account_id",
)
#: Any other metadata key that names an account, company, org or CRM id.
_STRIPE_ACCOUNT_PATTERNS = (
    r".*(account|company|crm|org|organization|workspace|tenant).*\(metadata\)",
    r"metadata\..*(account|company|crm|org|organization|workspace|tenant).*",
)


SUBSCRIPTIONS = Preset(
    name="stripe-subscriptions",
    title="a Stripe dashboard subscriptions export (amounts in major units)",
    table="subscriptions",
    columns={
        "subscription_id": ("id", "Subscription ID"),
        "account_id": _STRIPE_ACCOUNT_ALIASES,
        "customer_id": ("Customer ID", "Customer"),
        "customer_email": ("Customer Email",),
        "status": ("Status",),
        "plan": ("Plan", "Product", "Plan Name", "Price"),
        "currency": ("Currency",),
        "started_at": ("Start (UTC)", "Start Date (UTC)", "Start", "Start Date"),
        "canceled_at": ("Canceled At (UTC)", "Canceled At"),
        "ended_at": ("Ended At (UTC)", "Ended At"),
        "trial_start": ("Trial Start (UTC)", "Trial Start"),
        "trial_end": ("Trial End (UTC)", "Trial End"),
        "amount": ("Amount", "Plan Amount", "Price Amount"),
        "interval": ("Interval", "Plan Interval"),
        "interval_count": ("Interval Count", "Plan Interval Count"),
        "quantity": ("Quantity",),
        "current_period_end": ("Current Period End (UTC)", "Current Period End"),
    },
    patterns={"account_id": _STRIPE_ACCOUNT_PATTERNS},
    signature=("customer_id", "customer_email"),
    options=PresetOptions(amount_unit="major"),
)


SUBSCRIPTIONS_API = Preset(
    name="stripe-subscriptions-api",
    title="Stripe API subscription objects (amounts in cents)",
    table="subscriptions",
    columns={
        "subscription_id": ("id",),
        "account_id": _STRIPE_ACCOUNT_ALIASES,
        "customer_id": ("customer",),
        "customer_email": ("customer_email", "customer.email"),
        "status": ("status",),
        "plan": ("plan.nickname", "plan.id", "plan.product"),
        "currency": ("plan.currency", "currency"),
        "started_at": ("start_date", "created"),
        "canceled_at": ("canceled_at",),
        "ended_at": ("ended_at",),
        "trial_start": ("trial_start",),
        "trial_end": ("trial_end",),
        "amount": ("plan.amount", "price.unit_amount", "plan_amount"),
        "interval": ("plan.interval", "price.recurring.interval", "plan_interval"),
        "interval_count": ("plan.interval_count", "price.recurring.interval_count", "plan_interval_count"),
        "quantity": ("quantity",),
        "current_period_end": ("current_period_end",),
    },
    patterns={"account_id": _STRIPE_ACCOUNT_PATTERNS},
    signature=("customer_id",),
    options=PresetOptions(amount_unit="minor"),
)


INVOICES = Preset(
    name="stripe-invoices",
    title="a Stripe dashboard invoices export",
    table="invoices",
    columns={
        "invoice_id": ("id", "Invoice ID"),
        "account_id": _STRIPE_ACCOUNT_ALIASES,
        "customer_id": ("Customer", "Customer ID", "customer"),
        "customer_email": ("Customer Email", "customer_email"),
        "status": ("Status", "status"),
        "currency": ("Currency", "currency"),
        "amount_paid": ("Amount Paid", "amount_paid"),
        "paid_at": ("Paid At (UTC)", "Paid At", "status_transitions.paid_at"),
        "issued_at": ("Date (UTC)", "Date", "created"),
        "period_start": ("Minimum Line Item Period Start (UTC)", "Period Start (UTC)", "period_start"),
        "period_end": ("Maximum Line Item Period End (UTC)", "Period End (UTC)", "period_end"),
    },
    patterns={"account_id": _STRIPE_ACCOUNT_PATTERNS},
    signature=("customer_id", "customer_email"),
    options=PresetOptions(amount_unit="major"),
)


CANCELLATIONS = Preset(
    name="stripe-cancellations",
    title="Stripe canceled subscriptions with cancellation_details",
    table="cancellations",
    columns={
        "subscription_id": ("id",),
        "account_id": _STRIPE_ACCOUNT_ALIASES,
        "customer_id": ("customer", "Customer ID"),
        "customer_email": ("customer_email", "Customer Email"),
        "canceled_at": ("canceled_at", "Canceled At (UTC)"),
        "reason_code": ("cancellation_details.reason", "Cancellation Reason"),
        "reason": ("cancellation_details.feedback", "Cancellation Feedback"),
        "feedback": ("cancellation_details.comment", "Cancellation Comment"),
    },
    patterns={"account_id": _STRIPE_ACCOUNT_PATTERNS},
    signature=("reason_code", "reason"),
)

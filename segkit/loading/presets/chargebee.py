"""Chargebee exports: subscriptions (Reports > Subscriptions, CSV) and cancelled subscriptions
with their cancel reasons (API subscription object).

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Header names: API names first, then the ``subscription[...]`` spelling of
Chargebee's CSV tools (docs/inputs.md cites the sources). ``cancel_reason`` is Chargebee's own
code for cancellations it made (``not_paid``, ``no_card``, ``fraud_review_failed``, ...: failed
payment); ``cancel_reason_code`` is the site's own reason list, set when someone cancelled.
Chargebee knows customers, not CRM accounts: ``customer_id`` reaches the account through the
subscriptions (or map ``account_id`` in segkit.toml).
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset, PresetOptions

#: Chargebee's subscription statuses (``future``, ``in_trial``, ``active``, ``non_renewing``,
#: ``paused``, ``cancelled``, ``transferred``) -> segkit's. ``non_renewing`` still pays until its
#: ``Canceled On`` date; ``future`` has not started, so it has never paid. The report's ``MRR``
#: column is today's MRR (0 once a subscription is cancelled), so it is not read: MRR comes from
#: the plan's unit price x quantity over the billing period, which keeps a cancelled
#: subscription's paid history (and so its churn).
CHARGEBEE_STATUSES = (
    ("future", "incomplete"), ("in_trial", "trialing"), ("non_renewing", "active"),
    ("cancelled", "canceled"), ("transferred", "canceled"),
)

SUBSCRIPTIONS = Preset(
    name="chargebee-subscriptions",
    title="a Chargebee subscriptions report export (amounts in major units)",
    table="subscriptions",
    columns={
        "subscription_id": ("Subscription ID", "Subscription Id"),
        "customer_id": ("Customer ID", "Customer Id"),
        "customer_email": ("Customer Email",),
        "account_id": ("Account ID", "cf_account_id", "Customer cf_account_id", "Company ID", "cf_company_id"),
        "status": ("Status", "Subscription Status"),
        "plan": ("Current Plan", "Plan"),
        "quantity": ("Plan Quantity",),
        "currency": ("Currency", "Currency Code"),
        "started_at": ("Started On", "Activated On", "Created On"),
        "trial_start": ("Trial Start",),
        "trial_end": ("Trial End",),
        "canceled_at": ("Canceled On", "Cancelled On"),
        "current_period_end": ("Current Billing Term End Date", "Next Billing On"),
        "amount": ("Plan Unit Price", "Plan Amount", "Plan Price"),
        "interval": ("Billing Period Unit", "Subscription Billing Period Unit"),
        "interval_count": ("Billing Period",),
    },
    patterns={"account_id": (r"(customer )?cf_.*(account|company|crm|org|workspace|tenant).*",)},
    signature=("customer_id",),
    options=PresetOptions(amount_unit="major", status_map=CHARGEBEE_STATUSES, future_dates=("canceled_at",)),
)

CANCELLATIONS = Preset(
    name="chargebee-cancellations",
    title="Chargebee cancelled subscriptions with cancel reasons",
    table="cancellations",
    columns={
        "subscription_id": ("id", "subscription[id]"),
        "customer_id": ("customer_id", "subscription[customer_id]", "customer[id]"),
        "canceled_at": ("cancelled_at", "subscription[cancelled_at]"),
        "reason_code": ("cancel_reason", "subscription[cancel_reason]"),
        "reason": ("cancel_reason_code", "subscription[cancel_reason_code]"),
    },
    signature=("reason_code", "reason"),
)

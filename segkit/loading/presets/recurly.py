"""Recurly subscriptions export (Subscriptions > Export, CSV; amounts in major units).

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Column names are Recurly's snake_case export and subscription fields
(``account_code``, ``uuid``, ``plan_code``, ``state``, ``unit_amount``, ``quantity``,
``currency``, ``activated_at``, ``canceled_at``, ``expires_at``, ``current_period_ends_at``,
``trial_started_at``, ``trial_ends_at``); sources in docs/inputs.md section 6. ``account_code``
is the id your application gave the Recurly account, so it is the account id. A ``canceled``
Recurly subscription has only stopped renewing: it pays until its ``expires_at`` (read as
``ended_at``, which may lie after as-of); ``expired`` is the one that ended. Times are written ``2024-03-14 09:12:33 UTC``.
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset, PresetOptions

#: Recurly's subscription states (``active``, ``canceled``, ``expired``, ``future``, ``failed``,
#: ``paused``; the UI's ``in_trial`` filter) -> segkit's.
RECURLY_STATUSES = (
    ("expired", "canceled"), ("future", "incomplete"), ("failed", "incomplete_expired"), ("in_trial", "trialing"),
)

SUBSCRIPTIONS = Preset(
    name="recurly-subscriptions",
    title="a Recurly subscriptions export (amounts in major units)",
    table="subscriptions",
    columns={
        "subscription_id": ("uuid", "subscription_uuid", "subscription_id"),
        "account_id": ("account_code",),
        "customer_email": ("account_email", "email"),
        "status": ("state", "subscription_state"),
        "plan": ("plan_code", "plan_name"),
        "currency": ("currency",),
        "amount": ("unit_amount", "subscription_unit_amount"),
        "quantity": ("quantity", "subscription_quantity"),
        "interval": ("plan_interval_unit", "interval_unit"),
        "interval_count": ("plan_interval_length", "interval_length"),
        "started_at": ("activated_at", "subscription_activated_at", "created_at"),
        "canceled_at": ("canceled_at", "subscription_canceled_at"),
        "ended_at": ("expires_at", "subscription_expires_at"),
        "trial_start": ("trial_started_at",),
        "trial_end": ("trial_ends_at",),
        "current_period_end": ("current_period_ends_at",),
    },
    signature=("subscription_id",),
    options=PresetOptions(amount_unit="major", status_map=RECURLY_STATUSES, date_format="%Y-%m-%d %H:%M:%S %Z",
                          future_dates=("canceled_at", "ended_at")),
)

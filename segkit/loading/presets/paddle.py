"""Paddle Billing subscriptions: the API's subscription entities, one JSON object per line.

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Paddle Billing's dashboard reports cover transactions, adjustments, products
and discounts, not subscriptions, so the subscriptions come from the API (``GET /subscriptions``,
written one entity per line). Field names are the entity's (docs/inputs.md section 6): ``id``
(``sub_...``), ``status`` (``active``, ``canceled``, ``past_due``, ``paused``, ``trialing``: already
segkit's), ``customer_id`` (``ctm_...``), ``currency_code``, RFC 3339 ``started_at`` and
``canceled_at``, ``billing_cycle`` (``interval``, ``frequency``), ``current_billing_period``,
``items`` (its first item's ``price.unit_price.amount`` and ``quantity``: the readers expose a
list's first object as ``items[0]``) and ``custom_data``, where the account id is a key you set.
Amounts are strings in the currency's lowest denomination (``"1000"`` is 10.00 USD, 1000 JPY).
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset, PresetOptions

SUBSCRIPTIONS = Preset(
    name="paddle-subscriptions",
    title="Paddle Billing subscription entities (amounts in minor units)",
    table="subscriptions",
    columns={
        "subscription_id": ("id",),
        "account_id": (
            "custom_data.account_id", "custom_data.company_id", "custom_data.crm_id", "custom_data.organization_id",
            "custom_data.workspace_id",
        ),
        "customer_id": ("customer_id",),
        "status": ("status",),
        "plan": ("items[0].price.name", "items[0].price.description", "items[0].price.id"),
        "currency": ("currency_code",),
        "amount": ("items[0].price.unit_price.amount",),
        "quantity": ("items[0].quantity",),
        "interval": ("billing_cycle.interval",),
        "interval_count": ("billing_cycle.frequency",),
        "started_at": ("started_at", "first_billed_at", "created_at"),
        "canceled_at": ("canceled_at",),
        "trial_start": ("items[0].trial_dates.starts_at",),
        "trial_end": ("items[0].trial_dates.ends_at",),
        "current_period_end": ("current_billing_period.ends_at",),
    },
    patterns={"account_id": (r"custom_data\..*(account|company|crm|org|workspace|tenant).*",)},
    signature=("amount",),
    options=PresetOptions(amount_unit="minor"),
)

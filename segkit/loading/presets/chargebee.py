"""Chargebee exports: cancelled subscriptions with their cancel reasons (API subscription object).

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Header names: API names first, then the ``subscription[...]`` spelling of
Chargebee's CSV tools (docs/inputs.md cites the sources). ``cancel_reason`` is Chargebee's own
code for cancellations it made (``not_paid``, ``no_card``, ``fraud_review_failed``, ...: failed
payment); ``cancel_reason_code`` is the site's own reason list, set when someone cancelled.
Chargebee knows customers, not CRM accounts: ``customer_id`` reaches the account through the
subscriptions (or map ``account_id`` in segkit.toml).
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset

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

"""The generic presets: segkit's own column names (docs/inputs.md), one per canonical table."""

from __future__ import annotations

from segkit.loading.presets.base import Preset
from segkit.loading.schema import TABLES


def generic_preset(table: str) -> Preset:
    """A preset whose header names are the canonical column names of ``table`` (named in kebab-case)."""
    return Preset(name=f"generic-{table.replace('_', '-')}", table=table, columns={c.name: (c.name,) for c in TABLES[table].columns})


ACCOUNTS = generic_preset("accounts")
SUBSCRIPTIONS = generic_preset("subscriptions")
INVOICES = generic_preset("invoices")
DEALS = generic_preset("deals")
EVENTS = generic_preset("events")
USERS = generic_preset("users")
SURVEYS = generic_preset("surveys")
TICKETS = generic_preset("tickets")
CANCELLATIONS = generic_preset("cancellations")
FX_RATES = generic_preset("fx_rates")

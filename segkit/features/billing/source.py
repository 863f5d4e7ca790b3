"""The run's billing rows, computed once: the subscriptions (or paid invoices as such) and the paying ones.

Billing facts, MRR movements, renewals and the cohort matrix all read the same two frames; the
features stage builds them once (``FeatureSet.billing``) and every later step uses that.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from segkit.features.billing.invoices import invoice_subscriptions
from segkit.features.billing.subscriptions import paying_subscriptions
from segkit.loading.model import Inputs


@dataclass(frozen=True)
class Billing:
    """``subscriptions``: the subscriptions table, else paid invoices as subscription-like rows
    (None without either); ``paying``: its rows while they pay (``paying_subscriptions``)."""

    subscriptions: pd.DataFrame | None
    paying: pd.DataFrame | None
    past_due: str = "include"

    @property
    def has_rows(self) -> bool:
        return self.subscriptions is not None and not self.subscriptions.empty


def billing_source(inputs: Inputs) -> pd.DataFrame | None:
    """The subscriptions table, or, when there is none, paid invoices as subscription-like rows."""
    subs = inputs.frame("subscriptions")
    if subs is not None:
        return subs
    invoices = inputs.frame("invoices")
    if invoices is None or invoices.empty:
        return None
    return invoice_subscriptions(invoices)


def billing_of(inputs: Inputs, *, past_due: str = "include") -> Billing:
    """The run's ``Billing``: the one place the billing source and the paying rows are computed."""
    subs = billing_source(inputs)
    paying = paying_subscriptions(subs, past_due=past_due) if subs is not None and not subs.empty else None
    return Billing(subscriptions=subs, paying=paying, past_due=past_due)

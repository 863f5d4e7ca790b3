"""The run's billing rows, computed once: the subscriptions (or paid invoices as such) and the paying ones.

Billing facts, MRR movements, renewals and the cohort matrix all read the same two frames; the
features stage builds them once (``FeatureSet.billing``) and every later step uses that.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from segkit.errors import InputDataError
from segkit.features.billing.fx import FIX, Money, convert_paying
from segkit.features.billing.invoices import invoice_subscriptions
from segkit.features.billing.subscriptions import BillingPolicy, paying_spells, paying_subscriptions
from segkit.features.period import Period
from segkit.loading.model import Inputs


@dataclass(frozen=True)
class Billing:
    """``subscriptions``: the subscriptions table, else paid invoices as subscription-like rows
    (None without either); ``paying``: its rows while they pay (``paying_subscriptions``)."""

    subscriptions: pd.DataFrame | None
    paying: pd.DataFrame | None
    past_due: str = "include"
    #: what the churn policy inferred (status snapshots ended, gaps bridged), for the warnings
    notes: list[str] = field(default_factory=list)
    #: ``paying_spells(paying)``, merged once for billing facts, renewals and survival
    spells: pd.DataFrame | None = None

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


def check_one_currency(subs: pd.DataFrame | None) -> None:
    """Amounts in several currencies are never summed (SPEC 4, "Money"): an input error, exit 3.

    Codes compare case-insensitively (Stripe writes ``usd``). Used where no ``Money`` is given;
    ``fx.money_of`` checks every money table and converts with the fx_rates table."""
    if subs is None or "currency" not in subs:
        return
    codes = sorted(subs["currency"].dropna().astype("string").str.strip().str.upper().replace("", pd.NA).dropna().unique())
    if len(codes) > 1:
        raise InputDataError(
            f"billing amounts are in {len(codes)} currencies ({', '.join(codes)}) and segkit never sums currencies "
            f"unconverted: {FIX}, or run each currency's exports separately"
        )


def billing_of(inputs: Inputs, *, past_due: str = "include", policy: BillingPolicy | None = None,
               as_of_day: pd.Timestamp | None = None, money: Money | None = None, period: Period | None = None) -> Billing:
    """The run's ``Billing``: the one place the billing source and the paying rows are computed.

    ``policy`` is the churn policy (default: ``BillingPolicy(past_due)``); ``as_of_day`` the
    midnight starting the as-of date, where status snapshots without a date end; ``money`` the
    run's currency conversion (``fx.money_of``; None: one currency is required), read at the
    instants of ``period`` (``fx.convert_paying``)."""
    policy = policy or BillingPolicy(past_due=past_due)
    subs = billing_source(inputs)
    if money is None:
        check_one_currency(subs)
    notes: list[str] = []
    paying = None
    if subs is not None and not subs.empty:
        paying = paying_subscriptions(subs, policy=policy, as_of_day=as_of_day, notes=notes)
        if money is not None:
            paying = convert_paying(paying, money, period)
        paying = paying.drop(columns=["currency"], errors="ignore")
    spells = paying_spells(paying) if paying is not None else None
    return Billing(subscriptions=subs, paying=paying, past_due=policy.past_due, notes=notes, spells=spells)

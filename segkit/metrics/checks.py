"""Plausibility checks: figures that are computed right but are unlikely to describe a real SaaS
business, each naming the figure and what to look at. They never change a figure; they are
report.json's ``checks`` (and a line under every rendering). Thresholds: docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from segkit.features.build import FeatureSet
from segkit.features.billing.codes import account_key
from segkit.features.billing.subscriptions import active_at

#: At least this many accounts before the share of paying accounts is judged.
MIN_ACCOUNTS_FOR_SHARE = 20
#: Share of accounts paying at as-of above which the accounts look like a customer list.
SHARE_PAYING_MAX = 0.95
#: Mean active paying subscriptions per paying account at as-of above which rows look duplicated.
CONCURRENT_SUBSCRIPTIONS_MAX = 1.5
#: Net revenue retention outside [low, high] is far outside SaaS norms.
NRR_RANGE = (0.5, 2.0)
#: ARPA (reporting currency per month) outside [low, high] is far outside SaaS norms.
ARPA_RANGE = (1.0, 10_000.0)
#: Cramér's V of a segmentation with its own outcome at or above this: the segments are the outcome.
OUTCOME_V_MAX = 0.9


@dataclass(frozen=True)
class Check:
    """One implausible figure: which, its value, the threshold it crossed, what to look at."""

    code: str
    figure: str
    value: float | int | None
    threshold: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def plausibility_checks(features: FeatureSet, overall: Mapping[str, Any], quality: Mapping[str, Mapping[str, Any]]) -> list[Check]:
    """Every check that fires, in a fixed order (``quality``: segmentation name -> its quality)."""
    checks = [*_share_paying(features, overall), *_concurrent_subscriptions(features), *_retention_and_arpa(overall),
              *_churn_zero_with_cancellations(features, overall)]
    for name, part in quality.items():
        checks.extend(_segment_is_outcome(name, part))
    return checks


def _share_paying(features: FeatureSet, overall: Mapping[str, Any]) -> list[Check]:
    accounts, customers = overall.get("accounts") or 0, overall.get("customers") or 0
    if features.flat or not features.has_billing or accounts < MIN_ACCOUNTS_FOR_SHARE:
        return []
    share = customers / accounts
    if share <= SHARE_PAYING_MAX:
        return []
    return [Check("share_paying_high", "customers / accounts", round(share, 6), f"> {SHARE_PAYING_MAX:g}",
                  f"{customers} of {accounts} accounts pay: the accounts table looks like a customer list, so conversion "
                  "and shares say nothing about leads; export every account (leads too) or read conversion as not measured")]


def _concurrent_subscriptions(features: FeatureSet) -> list[Check]:
    paying = features.billing.paying if features.billing is not None else None
    if paying is None or paying.empty:
        return []
    active = paying[active_at(paying, features.period.end).to_numpy()]
    if active.empty:
        return []
    per_account = active.groupby(account_key(active)).size()
    mean = float(per_account.mean())
    if mean <= CONCURRENT_SUBSCRIPTIONS_MAX:
        return []
    return [Check("concurrent_subscriptions", "active paying subscriptions per paying account at as-of", round(mean, 6),
                  f"> {CONCURRENT_SUBSCRIPTIONS_MAX:g}",
                  f"paying accounts have {mean:.2f} active subscriptions each on average: check for version rows, line items "
                  "or duplicates exported as separate subscriptions (MRR would be counted once per row)")]


def _retention_and_arpa(overall: Mapping[str, Any]) -> list[Check]:
    out = []
    nrr, arpa = overall.get("nrr"), overall.get("arpa")
    if nrr is not None and not NRR_RANGE[0] <= nrr <= NRR_RANGE[1]:
        out.append(Check("nrr_outside_norms", "nrr", round(float(nrr), 6), f"outside {NRR_RANGE[0]:g}..{NRR_RANGE[1]:g}",
                         f"NRR {nrr:.0%} is far outside SaaS norms: check the amounts' units (cents?), currencies and "
                         "whether the accounts paying at the period start are complete"))
    if arpa is not None and not ARPA_RANGE[0] <= arpa <= ARPA_RANGE[1]:
        out.append(Check("arpa_outside_norms", "arpa", round(float(arpa), 6), f"outside {ARPA_RANGE[0]:g}..{ARPA_RANGE[1]:g} per month",
                         f"ARPA {arpa:,.2f} a month is far outside SaaS norms: check the amounts' units (cents?), the billing "
                         "interval column (annual amounts read as monthly) and the quantity column"))
    return out


def _cancellations_in_period(features: FeatureSet) -> int:
    subs = features.billing.subscriptions if features.billing is not None else None
    if subs is None or subs.empty:
        return 0
    inside = pd.Series(False, index=subs.index)
    for column in ("canceled_at", "ended_at"):
        if column in subs:
            dates = subs[column]
            inside |= ((dates >= features.period.start) & (dates < features.period.end)).fillna(False).astype(bool)
    return int(inside.sum())


def _churn_zero_with_cancellations(features: FeatureSet, overall: Mapping[str, Any]) -> list[Check]:
    if overall.get("churn_rate") != 0 or not overall.get("customers_at_start"):
        return []
    cancelled = _cancellations_in_period(features)
    if not cancelled:
        return []
    return [Check("churn_zero_with_cancellations", "churn_rate", 0.0, "0 while cancellations are present",
                  f"churn is 0 but {cancelled} subscriptions were cancelled or ended in the period: check the churn "
                  "date column (ended_at, not canceled_at), the as-of date and the account ids of the cancelled rows")]


def _segment_is_outcome(name: str, quality: Mapping[str, Any]) -> list[Check]:
    out = []
    for outcome, test in sorted((quality.get("tests") or {}).items()):
        v = ((test or {}).get("independence") or {}).get("cramers_v")
        if v is not None and v >= OUTCOME_V_MAX:
            out.append(Check("segment_is_outcome", f"{name}: {outcome} Cramér's V", round(float(v), 6), f">= {OUTCOME_V_MAX:g}",
                             f"the {name} segments all but determine {outcome} (Cramér's V {v:.2f}): the segmentation is "
                             "likely read after the outcome or defined by it; read its labels at the period start"))
    return out

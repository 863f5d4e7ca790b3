"""The ideal customer profile, from data: which attribute values over-index among the top-value
retained accounts against all accounts.

ICP accounts are customers at as-of who have paid for at least ``min_tenure_months`` (retained)
and whose MRR is in the top ``top_share`` of those retained customers (top value). For every
value of every attribute (size band, revenue band, industry, country, world region, each tool in
the stack, and categorical custom account columns) the report gives the count and share among
ICP accounts and among all accounts, the lift (ICP share / overall share), and a two-sided
Fisher exact test of ICP vs the other accounts with Benjamini-Hochberg q-values over all values
tested. Values held by fewer than ``min_accounts`` ICP accounts are not listed.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.metrics.quality import ALPHA, bh_adjust
from segkit.metrics.significance import fisher_two_sided
from segkit.segmenters.checks import end_of_as_of

DAYS_PER_MONTH = 365.25 / 12
#: Feature-frame columns that are not account attributes (facts, outcomes, extras).
NOT_ATTRIBUTES = {
    "name", "domain", "created_at", "city", "customer_since", "founded_year", "employees", "annual_revenue",
    "lifecycle_stage", "owner", "mrr", "mrr_start", "is_customer", "active_at_start", "churned_in_period",
    "first_paid_at", "churn_events", "customer_months", "subscriptions", "technologies", "country",
}


def _bands(features: pd.DataFrame) -> dict[str, pd.Series]:
    from segkit.segmenters.firmographic import FirmographicSegmenter
    from segkit.segmenters.geographic import GeographicSegmenter

    out: dict[str, pd.Series] = {}
    if "employees" in features and features["employees"].notna().any():
        out["size band"] = FirmographicSegmenter(by="size").fit(features).labels_
    if "annual_revenue" in features and features["annual_revenue"].notna().any():
        out["revenue band"] = FirmographicSegmenter(by="revenue").fit(features).labels_
    if "industry" in features and features["industry"].notna().any():
        out["industry"] = features["industry"].astype("string").str.strip()
    if "country" in features and features["country"].notna().any():
        out["country"] = GeographicSegmenter(by="country").fit(features).labels_
        out["region"] = GeographicSegmenter(by="region").fit(features).labels_
    return out


def attributes(features: pd.DataFrame, columns: list[str] | None = None, max_levels: int = 30) -> dict[str, pd.Series]:
    """attribute name -> one value per account (or, for ``technologies``, a list per account)."""
    if columns:
        missing = [c for c in columns if c not in features.columns]
        if missing:
            from segkit.errors import UsageError

            raise UsageError(f"icp: no account column {missing[0]!r}; columns: {', '.join(map(str, features.columns))}")
        return {c: features[c] for c in columns}
    out = _bands(features)
    if "technologies" in features and features["technologies"].notna().any():
        out["technology"] = features["technologies"].astype("string").str.split(r"\s*[;,]\s*", regex=True)
    extras = set(features.attrs.get("survey_answer_columns", []))
    for col in features.columns:
        if col in NOT_ATTRIBUTES or col in out or col in extras or ":" in str(col):
            continue
        values = features[col]
        if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype) or isinstance(values.dtype, pd.DatetimeTZDtype):
            continue
        levels = values.nunique(dropna=True)
        if 2 <= levels <= max_levels:
            out[str(col)] = values.astype("string").str.strip()
    return out


def _holders(values: pd.Series, icp: pd.Series) -> pd.DataFrame:
    """(value, icp) per account holding a value: one row per account and value (lists exploded)."""
    if values.map(lambda v: isinstance(v, list)).any():
        long = values.explode().astype("string").str.strip()
        long = long[long.notna() & (long != "")]
        pairs = pd.DataFrame({"value": long, "icp": icp.reindex(long.index).to_numpy()})
        return pairs.reset_index().drop_duplicates(["account_id", "value"]) if "account_id" in pairs.reset_index() else pairs
    clean = values.astype("string").str.strip()
    holders = pd.DataFrame({"value": clean, "icp": icp}).dropna(subset=["value"])
    return holders[holders["value"] != ""]


def _attribute_rows(attribute: str, holders: pd.DataFrame, n_icp: int, n_all: int, min_accounts: int) -> list[dict[str, Any]]:
    """Counts, shares, lift and Fisher p of each value of one attribute held by enough ICP accounts."""
    rows = []
    counts = holders.groupby("value")["icp"].agg(["sum", "size"])
    for value, (in_icp, in_all) in counts.iterrows():
        in_icp, in_all = int(in_icp), int(in_all)
        if in_icp < min_accounts or not n_icp:
            continue
        share_icp, share_all = in_icp / n_icp, in_all / n_all
        rest_with, rest_total = in_all - in_icp, n_all - n_icp
        p = fisher_two_sided([[in_icp, n_icp - in_icp], [rest_with, rest_total - rest_with]])
        rows.append({
            "attribute": attribute,
            "value": str(value),
            "icp_accounts": in_icp,
            "icp_share": share_icp,
            "all_accounts": in_all,
            "all_share": share_all,
            "lift": share_icp / share_all if share_all else None,
            "p_value": float(min(1.0, p)),
        })
    return rows


def ideal_customer_profile(
    features: pd.DataFrame,
    *,
    top_share: float = 0.25,
    min_tenure_months: float = 6.0,
    min_accounts: int = 3,
    columns: list[str] | None = None,
) -> dict[str, Any]:
    """The ICP section: the definition, the ICP accounts, and the over-indexing attribute values."""
    now = end_of_as_of(features)
    mrr = features["mrr"].fillna(0).astype("float64")
    customer = features["is_customer"].fillna(False).astype(bool)
    paid = pd.to_datetime(features["first_paid_at"], utc=True)
    tenure = (now - paid).dt.total_seconds() / 86400 / DAYS_PER_MONTH
    retained = customer & (tenure >= min_tenure_months).fillna(False)
    threshold = float(mrr[retained].quantile(1 - top_share)) if retained.any() else None
    icp = retained & (mrr >= threshold) if threshold is not None else retained & False
    n_icp, n_all = int(icp.sum()), len(features)
    rows: list[dict[str, Any]] = []
    for attribute, values in attributes(features, columns).items():
        rows += _attribute_rows(attribute, _holders(values, icp), n_icp, n_all, min_accounts)
    for row, q in zip(rows, bh_adjust([r["p_value"] for r in rows])):
        row["q_value"] = q
        row["significant"] = bool(q < ALPHA)
    over = sorted((r for r in rows if (r["lift"] or 0) > 1), key=lambda r: (-(r["lift"] or 0), r["q_value"], r["attribute"], r["value"]))
    return {
        "definition": (
            f"ICP accounts = customers at as-of paying for at least {min_tenure_months:g} months whose MRR is in the top "
            f"{top_share:.0%} of those retained customers (MRR >= {f'{threshold:,.2f}' if threshold is not None else 'n/a'}); "
            "lift = share among ICP accounts / share among all accounts; Fisher exact test of ICP vs the other accounts, "
            "Benjamini-Hochberg q-values over every value tested"
        ),
        "as_of": now.isoformat(),
        "icp_accounts": n_icp,
        "retained_customers": int(retained.sum()),
        "all_accounts": n_all,
        "mrr_threshold": threshold,
        "over_indexed": over,
        "values_tested": len(rows),
    }

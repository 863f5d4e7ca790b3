"""Customer lifetime value per segment: the simple, sBG and BG/NBD methods, with bootstrap intervals.

Formulas (also in every report's ``definitions`` and in docs/metrics.md):

* **simple**: ``clv = arpa x gross_margin x L`` with L the expected lifetime in months at the
  segment's monthly churn rate c. Undiscounted (default) L = min(1/c, H); with
  ``metrics.clv_discount_simple = true``, L = sum_{k=0}^{H-1} ((1 - c) / (1 + d_m))^k, the
  discounted, truncated form of the same geometric lifetime (d_m the monthly rate). H is
  ``clv_horizon_months`` (60). Null when c = 0 (unbounded), no customer, or the segment is small.
* **sbg**: per segment and renewal period (month, quarter, year), alpha and beta are fitted by
  maximum likelihood on the accounts' renewal counts (``segkit.features.billing.renewals``). Each current
  customer's value is ``mrr x gross_margin x period_months x DERL(renewals made, d_p)``, the
  discounted expected margin from the coming renewal on, with d_p = (1 + d)^(period/12) - 1;
  ``clv`` is its mean over the segment's current customers and ``clv_total`` its sum. A group
  whose sBG has no interior maximum uses the geometric model (``sbg_model: geometric``); a group
  that cannot be fitted at all (too few accounts, no churn) makes the segment fall back to the
  simple method, with ``clv_reason`` saying so.
* **bgnbd**: BG/NBD + Gamma-Gamma fitted on all accounts' paid invoices up to as-of (calibration
  end = as-of, weeks), each account's CLV over H months discounted monthly; ``clv`` is the mean
  over the segment's accounts with an invoice, ``clv_total`` the sum. A fit that does not
  converge falls back to the simple method.

Intervals: ``clv_ci`` is a 95% percentile bootstrap over accounts, resampled with replacement
within the segment (``metrics.clv_bootstrap`` replicates, default 200; 0 disables), seeded so
identical runs give identical intervals. simple: the segment's figures recomputed per replicate;
sbg: refits per replicate; bgnbd: refits of both models on the resampled base
(``segkit.models.bootstrap_segment_clv``).
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segkit.features.build import FeatureSet
from segkit.features.value.model import ValueFits
from segkit.features.value.fits import monthly_rate
from segkit.metrics.options import MetricOptions
from segkit.metrics.registry import Group, after_groups, metric

if TYPE_CHECKING:
    from segkit.models.sbg import SBGResult

CONFIDENCE = 0.95
MAX_CELLS = 4_000_000  # bootstrap weights held at once (replicates x accounts)
CLV_KEYS = ("clv_capped", "clv_uncapped", "clv_ci", "clv_total", "clv_customers", "p_alive", "expected_transactions", "clv_fit")

DEFINITIONS = {
    "clv": "customer lifetime value by clv_method (parameters.clv_method; see clv_simple, clv_sbg, clv_bgnbd); null with clv_reason when there is no churn, no customer or the segment is too small; a fit that does not converge falls back as clv_reason says",
    "clv_simple": "arpa x gross_margin x L, L = expected months paying at monthly churn c = monthly_churn_rate: min(1/c, clv_horizon_months) (= arpa x gross_margin / monthly_churn_rate when 1/c <= the horizon); with clv_discount_simple, L = sum_{k=0}^{H-1} ((1 - c)/(1 + d_m))^k, d_m = (1 + discount_rate)^(1/12) - 1",
    "clv_sbg": "mean over the segment's current customers of mrr x gross_margin x period_months x DERL, the discounted expected margin from the coming renewal on (currency per customer); DERL = (beta + n - 1)/(alpha + beta + n - 1) x 2F1(1, beta + n; alpha + beta + n; 1/(1 + d_p)) with n - 1 = renewals made, d_p = (1 + discount_rate)^(period_months/12) - 1; alpha, beta fitted by maximum likelihood (shifted-beta-geometric, Fader & Hardie 2007) per segment and renewal period on the accounts' renewal counts (churned in period n, or still active after n renewals at as-of)",
    "clv_bgnbd": "mean over the segment's accounts with a paid invoice of sum_{k=1..H} E(M) x [E(Y(k months)) - E(Y((k-1) months))] / (1 + d_m)^k: BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader & Hardie, note 025) fitted on all accounts' paid invoices up to as-of (same-day invoices merged, weeks), H = clv_horizon_months, d_m = (1 + discount_rate)^(1/12) - 1",
    "clv_capped": "simple: true where the lifetime cap binds (1/monthly_churn_rate > clv_horizon_months, so clv is the capped value), false where it does not; null for sbg and bgnbd and where clv is null",
    "clv_uncapped": "simple: the value without the cap (arpa x gross_margin / monthly_churn_rate, or the untruncated discounted sum), beside clv where clv_capped is true; null otherwise",
    "clv_ci": "95% percentile bootstrap interval of clv: accounts resampled with replacement within the segment, clv_bootstrap replicates (seeded by clv_seed); sbg and bgnbd refit the models in each replicate",
    "clv_total": "sbg and bgnbd: the sum of the customers' values behind clv (the segment's residual value)",
    "clv_customers": "bgnbd: accounts with a paid invoice up to as-of (the customers clv averages over)",
    "clv_fit": "sbg: per renewal period (month, quarter, year) the fitted alpha, beta (or the geometric fallback's churn), log-likelihood, n, convergence, expected lifetime in periods (E[T] = (alpha + beta - 1)/(alpha - 1); null when alpha <= 1) and the survival curve S(t) = B(alpha, beta + t)/B(alpha, beta) for t = 0..12",
    "p_alive": "bgnbd: mean P(alive | x, t_x, T) (FHL 2005 eq. 11) over the segment's accounts with a transaction (paid invoice, or event day with clv_transactions = 'events')",
    "expected_transactions": "bgnbd: sum over those accounts of the expected transactions (paid invoices; active days with clv_transactions = 'events') in the next clv_horizon_months months, E[Y(t) | x, t_x, T] (FHL 2005 eq. 10)",
}


def simple_lifetime_months(churn: np.ndarray | float, horizon: int | None, monthly_discount: float | None) -> np.ndarray:
    """Expected months paying at monthly churn c: min(1/c, H), or the discounted truncated sum."""
    c = np.clip(np.asarray(churn, dtype=np.float64), 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if not monthly_discount:
            life = np.where(c > 0, 1.0 / c, np.inf)
            return np.minimum(life, horizon) if horizon else life
        rho = (1.0 - c) / (1.0 + monthly_discount)
        if horizon:
            return (1.0 - rho**horizon) / (1.0 - rho)
        return 1.0 / (1.0 - rho)


def simple_clv(values: dict[str, Any], options: MetricOptions) -> dict[str, Any]:
    """The simple method for one group, from its customers, ARPA and monthly churn rate."""
    out: dict[str, Any] = {"clv": None, "clv_method": "simple", "clv_reason": None, "clv_capped": None, "clv_uncapped": None}
    if not values["customers"]:
        out["clv_reason"] = "no paying customers at as-of"
    elif values["customers"] < options.min_segment_size:
        out["clv_reason"] = f"fewer than {options.min_segment_size} customers"
    elif not values["monthly_churn_rate"]:
        out["clv_reason"] = "no churn in the period: lifetime is unbounded" if values["customer_months"] else "no customer-months in the period"
    else:
        life = simple_lifetime_months(values["monthly_churn_rate"], options.clv_horizon_months, _simple_discount(options))
        out["clv"] = values["arpa"] * options.gross_margin * float(life)
        capped = bool(options.clv_horizon_months) and 1.0 / values["monthly_churn_rate"] > options.clv_horizon_months
        out["clv_capped"] = capped
        if capped:
            uncapped = simple_lifetime_months(values["monthly_churn_rate"], None, _simple_discount(options))
            out["clv_uncapped"] = values["arpa"] * options.gross_margin * float(uncapped)
    return out


def _simple_discount(options: MetricOptions) -> float | None:
    return monthly_rate(options.discount_rate) if options.clv_discount_simple else None


def segment_clv(rows: pd.DataFrame, values: dict[str, Any], fits: ValueFits, options: MetricOptions) -> dict[str, Any]:
    """CLV of one group by the configured method, falling back to simple with a reason."""
    method = options.clv_method
    if method == "simple":
        return {**simple_clv(values, options), "clv_ci": None}
    if method == "sbg":
        out = sbg_clv(rows, options)
    else:
        out = bgnbd_clv(rows, fits, options)
    out["clv_ci"] = None
    out.setdefault("clv_capped", None)
    out.setdefault("clv_uncapped", None)
    if out.get("clv_fallback"):
        reason = out.pop("clv_fallback")
        simple = simple_clv(values, options)
        out.update(clv=simple["clv"], clv_method="simple", clv_capped=simple["clv_capped"], clv_uncapped=simple["clv_uncapped"],
                   clv_reason=f"{reason}; fell back to the simple method" + (f" ({simple['clv_reason']})" if simple["clv_reason"] else ""))
    return out


@metric(DEFINITIONS, suppress=("clv", *CLV_KEYS))
def clv(group: Group) -> dict[str, Any]:
    """CLV of the group by the configured method (needs customers, ARPA and monthly churn first)."""
    return segment_clv(group.rows, group.values, group.features.value_fits, group.options)


@after_groups
def clv_intervals(groups: dict[str, pd.DataFrame], results: dict[str, dict[str, Any]], features: FeatureSet,
                  options: MetricOptions) -> None:
    add_intervals(groups, results, features.value_fits, options)


# --------------------------------------------------------------------------- sBG


def _sbg_groups(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[rows["renewal_periods"].notna()] if "renewal_periods" in rows else rows.iloc[0:0]


def _fit_group(group: pd.DataFrame, weights: np.ndarray | None = None, initial: tuple[float, float] | None = None) -> SBGResult:
    from segkit.models import fit_sbg_customers

    return fit_sbg_customers(group["renewal_periods"].to_numpy(dtype=np.float64),
                             group["renewal_churned"].to_numpy(dtype=bool), weights=weights, initial=initial)


def _group_values(fit: SBGResult, group: pd.DataFrame, months: int, options: MetricOptions) -> np.ndarray:
    """Residual value of each row of the group (0 for rows not paying now)."""
    d = (1.0 + options.discount_rate) ** (months / 12.0) - 1.0
    renewals = group["renewals_made"].to_numpy(dtype=np.int64)
    derl = np.zeros(len(group))
    current = group["is_customer"].to_numpy(dtype=bool)
    if current.any():
        cache: dict[int, float] = {}
        for n in np.unique(renewals[current]):
            cache[int(n)] = fit.derl(d, int(n))
        derl[current] = [cache[int(n)] for n in renewals[current]]
    return group["mrr"].to_numpy(dtype=np.float64) * options.gross_margin * months * derl


def sbg_clv(rows: pd.DataFrame, options: MetricOptions) -> dict[str, Any]:
    out: dict[str, Any] = {"clv": None, "clv_method": "sbg", "clv_reason": None, "clv_total": None, "clv_fit": None}
    history = _sbg_groups(rows)
    customers = int(rows["is_customer"].sum())
    if not customers:
        out["clv_reason"] = "no paying customers at as-of"
        return out
    if customers < options.min_segment_size:
        out["clv_reason"] = f"fewer than {options.min_segment_size} customers"
        return out
    if options.discount_rate <= 0:
        out["clv_fallback"] = "sBG: DERL needs a positive discount rate"
        return out
    fits: dict[str, Any] = {}
    notes: list[str] = []
    total = 0.0
    for months, group in history.groupby("renewal_period_months", sort=True):
        months = int(months)
        label = {1: "month", 3: "quarter", 12: "year"}.get(months, f"{months} months")
        if not group["is_customer"].any():
            continue
        if len(group) < options.min_segment_size:
            out["clv_fallback"] = f"sBG: {len(group)} accounts on {label} plans, fewer than {options.min_segment_size}"
            return out
        if not group["renewal_churned"].any():
            out["clv_fallback"] = f"sBG: no churn among the {len(group)} accounts on {label} plans, so retention cannot be estimated"
            return out
        fit = _fit_group(group)
        if fit.model == "geometric":
            notes.append(f"{label} plans: {fit.message}")
        total += float(_group_values(fit, group, months, options).sum())
        life = fit.expected_lifetime()
        fits[label] = {
            "model": fit.model,
            "alpha": None if fit.model != "sbg" else fit.alpha,
            "beta": None if fit.model != "sbg" else fit.beta,
            "geometric_churn": fit.geometric_churn,
            "converged": fit.converged,
            "message": fit.message,
            "loglik": fit.loglik,
            "n": fit.n,
            "period_months": months,
            "expected_lifetime_periods": life if np.isfinite(life) else None,
            "expected_lifetime_capped_periods": fit.expected_lifetime(horizon=max(1, options.clv_horizon_months // months)),
            "survival": [float(v) for v in fit.survival(np.arange(0, 13))],
        }
    out.update(clv=total / customers, clv_total=total, clv_fit=fits, clv_reason="; ".join(notes) or None)
    return out


def _sbg_bootstrap(rows: pd.DataFrame, options: MetricOptions, rng: np.random.Generator) -> np.ndarray:
    history = _sbg_groups(rows)
    groups = [(int(m), g) for m, g in history.groupby("renewal_period_months", sort=True) if g["is_customer"].any()]
    fits0 = {m: _fit_group(g) for m, g in groups}
    out = np.full(options.clv_bootstrap, np.nan)
    for b in range(options.clv_bootstrap):
        total = 0.0
        customers = 0.0
        ok = True
        for months, group in groups:
            w = rng.multinomial(len(group), np.full(len(group), 1.0 / len(group))).astype(np.float64)
            if not (group["renewal_churned"].to_numpy() & (w > 0)).any():
                ok = False
                break
            start = (fits0[months].alpha, fits0[months].beta) if fits0[months].model == "sbg" else None
            fit = _fit_group(group, weights=w, initial=start)
            total += float(w @ _group_values(fit, group, months, options))
            customers += float(w @ group["is_customer"].to_numpy(dtype=np.float64))
        if ok and customers > 0:
            out[b] = total / customers
    return out


# --------------------------------------------------------------------------- BG/NBD


def bgnbd_clv(rows: pd.DataFrame, fits: ValueFits, options: MetricOptions) -> dict[str, Any]:
    out: dict[str, Any] = {"clv": None, "clv_method": "bgnbd", "clv_reason": None, "clv_total": None,
                           "clv_customers": None, "p_alive": None, "expected_transactions": None}
    if fits.bgnbd_fallback:
        out["clv_fallback"] = f"BG/NBD: {fits.bgnbd_fallback}"
        return out
    buyers = rows[rows["bg_x"].notna()] if "bg_x" in rows else rows.iloc[0:0]
    if len(buyers) == 0:
        out["clv_reason"] = "no account with a paid invoice"
        return out
    if len(buyers) < options.min_segment_size:
        out["clv_reason"] = f"fewer than {options.min_segment_size} accounts with paid invoices"
        return out
    out.update(
        clv_customers=int(len(buyers)),
        p_alive=float(buyers["p_alive"].mean()),
        expected_transactions=float(buyers["expected_transactions"].sum()),
    )
    if fits.bgnbd_no_spend:
        out["clv_fallback"] = f"BG/NBD on events: {fits.bgnbd_no_spend}"
        return out
    out.update(clv=float(buyers["clv_bgnbd"].mean()), clv_total=float(buyers["clv_bgnbd"].sum()))
    return out


# --------------------------------------------------------------------------- intervals


def _seed(options: MetricOptions, name: str) -> int:
    return (int(options.clv_seed) * 1_000_003 + zlib.crc32(name.encode("utf-8"))) % (2**32)


def _percentiles(samples: np.ndarray) -> list[float] | None:
    finite = samples[~np.isnan(samples)]
    if finite.size < max(10, samples.size // 2):
        return None
    tail = (1.0 - CONFIDENCE) / 2.0
    low, high = np.quantile(finite, [tail, 1.0 - tail])
    if not (np.isfinite(low) and np.isfinite(high)):
        return None
    return [float(low), float(high)]


#: Drawing one category of a multinomial costs about as much as this many index draws: the
#: resampling draws counts of the distinct rows when there are few of them, else indices.
MULTINOMIAL_COST = 6


def _distinct_rows(columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row the number of its distinct row (in order of first appearance), and the first row of
    each: hashed column by column (pandas.factorize), O(n), where np.unique(axis=0) sorts."""
    codes = np.zeros(len(columns), dtype=np.int64)
    for j in range(columns.shape[1]):
        column, levels = pd.factorize(columns[:, j], use_na_sentinel=False)
        codes, _ = pd.factorize(codes * max(len(levels), 1) + column)
    first = np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1) > 0)  # codes count up from 0
    return codes, first


def resample_sums(columns: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Column sums of ``size`` bootstrap resamples of the rows (n drawn with replacement out of n).

    Only the sums are needed, so identical rows are merged first: the counts of the k distinct
    rows are one multinomial draw (n, their shares) per resample, O(k) instead of O(n). When most
    rows are distinct, n uniform indices per resample are drawn instead and counted per distinct
    row (same distribution, cheaper per row than a multinomial category). Chunked to
    ``MAX_CELLS`` counts held at once; deterministic for a seeded ``rng``.
    """
    n = len(columns)
    if n == 0:
        return np.zeros((size, columns.shape[1]))
    inverse, first = _distinct_rows(columns)
    distinct, counts, k = columns[first], np.bincount(inverse, minlength=len(first)), len(first)
    by_rows = k * MULTINOMIAL_COST > n
    chunk = max(1, MAX_CELLS // max(n if by_rows else k, 1))
    out = []
    left = size
    while left > 0:
        m = min(chunk, left)
        if by_rows:
            picked = rng.integers(0, n, size=(m, n))
            if k < n:
                picked = inverse[picked]
            picked += (np.arange(m, dtype=picked.dtype) * k)[:, None]
            weights = np.bincount(picked.ravel(), minlength=m * k).reshape(m, k)
        else:
            weights = rng.multinomial(n, counts / n, size=m)
        out.append(weights.astype(np.float64) @ distinct)
        left -= m
    return np.concatenate(out) if out else np.empty((0, columns.shape[1]))


def _simple_bootstrap(rows: pd.DataFrame, options: MetricOptions, rng: np.random.Generator) -> np.ndarray:
    columns = np.column_stack([
        rows["mrr"].to_numpy(dtype=np.float64),
        rows["is_customer"].to_numpy(dtype=np.float64),
        rows["churn_events"].to_numpy(dtype=np.float64),
        rows["customer_months"].to_numpy(dtype=np.float64),
    ])
    mrr, customers, events, months = resample_sums(columns, options.clv_bootstrap, rng).T
    with np.errstate(divide="ignore", invalid="ignore"):
        arpa = mrr / customers
        churn = events / months
        life = simple_lifetime_months(churn, options.clv_horizon_months, _simple_discount(options))
        return np.where((customers > 0) & (months > 0), arpa * options.gross_margin * life, np.nan)


def add_intervals(groups: dict[str, pd.DataFrame], results: dict[str, dict[str, Any]], fits: ValueFits,
                  options: MetricOptions) -> None:
    """Set ``clv_ci`` on each group's result whose CLV is a number (in place)."""
    if options.clv_bootstrap <= 0:
        return
    names = [k for k, r in results.items() if r.get("clv") is not None]
    if not names:
        return
    by_method: dict[str, list[str]] = {}
    for name in names:
        by_method.setdefault(results[name]["clv_method"], []).append(name)
    for name in by_method.get("simple", []):
        rng = np.random.default_rng(_seed(options, name))
        results[name]["clv_ci"] = _percentiles(_simple_bootstrap(groups[name], options, rng))
    for name in by_method.get("sbg", []):
        rng = np.random.default_rng(_seed(options, name))
        results[name]["clv_ci"] = _percentiles(_sbg_bootstrap(groups[name], options, rng))
    bg_names = by_method.get("bgnbd", [])
    if bg_names:
        _bgnbd_intervals({n: groups[n] for n in bg_names}, results, fits, options)


def _bgnbd_intervals(groups: dict[str, pd.DataFrame], results: dict[str, dict[str, Any]], fits: ValueFits, options: MetricOptions) -> None:
    from segkit.features.value.fits import WEEKS_PER_MONTH
    from segkit.models import bootstrap_segment_clv

    parts = []
    for name, rows in groups.items():
        buyers = rows[rows["bg_x"].notna()]
        parts.append(pd.DataFrame({"x": buyers["bg_x"], "t_x": buyers["bg_t_x"], "T": buyers["bg_T"],
                                   "zbar": buyers["bg_zbar"], "segment": name}))
    summary = pd.concat(parts)
    boot = bootstrap_segment_clv(
        summary, summary["segment"].to_numpy(), step_length=WEEKS_PER_MONTH, n_steps=options.clv_horizon_months,
        discount_rate=monthly_rate(options.discount_rate), n_boot=options.clv_bootstrap, confidence=CONFIDENCE,
        seed=_seed(options, "|".join(sorted(groups))), transactions_fit=fits.bgnbd_fit, spend_fit=fits.gamma_gamma_fit,
    )
    for name in groups:
        row = boot.table.loc[name]
        n = float(row["n_customers"])
        ok = int(row["n_boot"]) >= max(10, options.clv_bootstrap // 2) and np.isfinite(row["lower"])
        results[name]["clv_ci"] = [float(row["lower"]) / n, float(row["upper"]) / n] if ok and n else None

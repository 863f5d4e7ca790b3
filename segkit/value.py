"""Settings and report sections of the value metrics (issue #5) for ``segkit.api.segment``:
CLV method and discounting, activation and engagement settings, the cohort matrix, CLV warnings
and the whole-base model fits. Kept here so ``segkit.api`` only calls them."""

from __future__ import annotations

from typing import Any

from segkit.config import Config
from segkit.errors import UsageError
from segkit.features.value.activation import DEFAULT_ENGAGEMENT_WEIGHTS
from segkit.features.build import FeatureSet
from segkit.features.value.fits import CLV_METHODS, ValueSettings
from segkit.loading.model import Inputs
from segkit.metrics.cohorts import CohortMatrix


def int_setting(config: Config, key: str, default: int, *, minimum: int) -> int:
    value = config.metrics.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UsageError(f"metrics.{key} takes a whole number of at least {minimum}; got {value!r}")
    return value


def value_settings(config: Config, options: Any) -> ValueSettings:
    """CLV, activation and engagement settings from the options and config (defaults documented)."""
    method = str(options.clv_method or config.metrics.get("clv_method", "simple"))
    if method not in CLV_METHODS:
        raise UsageError(f"unknown CLV method {method!r}; choose one of: {', '.join(CLV_METHODS)}")
    rate = options.discount_rate if options.discount_rate is not None else config.metrics.get("discount_rate", 0.10)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= float(rate) < 10:
        raise UsageError(f"the discount rate must be a number in [0, 10) (0.10 is 10% a year); got {rate!r}")
    weights = config.metrics.get("engagement_weights", list(DEFAULT_ENGAGEMENT_WEIGHTS))
    if not isinstance(weights, list) or len(weights) != 3 or not all(isinstance(w, (int, float)) and not isinstance(w, bool) for w in weights):
        raise UsageError(f"metrics.engagement_weights takes three numbers [active days, breadth, frequency]; got {weights!r}")
    event = config.metrics.get("activation_event")
    if event is not None and (not isinstance(event, str) or not event.strip()):
        raise UsageError(f"metrics.activation_event takes an event name; got {event!r}")
    return ValueSettings(
        clv_method=method,
        discount_rate=float(rate),
        clv_horizon_months=int_setting(config, "clv_horizon_months", 60, minimum=1),
        activation_event=event,
        activation_days=int_setting(config, "activation_days", 14, minimum=1),
        activation_start=str(config.metrics.get("activation_start", "created_at")),
        engagement_weights=tuple(float(w) for w in weights),
        past_due=str(config.metrics.get("past_due", "include")),
        clv_transactions=str(config.metrics.get("clv_transactions", "invoices")),
    )


def cohort_matrix_for(features: FeatureSet, inputs: Inputs, config: Config) -> CohortMatrix | None:
    from segkit.features.billing.source import billing_of  # FeatureSet.billing: computed once by build_features

    billing = features.billing or billing_of(inputs, past_due=str(config.metrics.get("past_due", "include")))
    if billing.paying is None:
        return None
    paying = billing.paying
    return CohortMatrix(
        features.frame, paying, features.period.end,
        start=str(config.metrics.get("cohort_start", "first_payment")),
        period=str(config.metrics.get("cohort_period", "month")),
    )


def clv_warnings(segmentations: dict[str, Any], overall: dict[str, Any]) -> list[dict[str, str]]:
    """One warning per segment whose CLV fell back or used the geometric sBG (the reason is in clv_reason)."""
    out = []
    rows = [("overall", overall)] + [(f"{name}/{seg['segment']}", seg) for name, s in segmentations.items() for seg in s["segments"]]
    for where, row in rows:
        reason = row.get("clv_reason") or ""
        if "fell back" in reason or "geometric" in reason:
            out.append({"code": "clv_fallback", "message": f"{where}: {reason}"})
    return out


def clv_model_report(context: dict[str, Any]) -> dict[str, Any] | None:
    """The whole-base BG/NBD and Gamma-Gamma fits (bgnbd method), named as in the papers."""
    if "bgnbd_fit" not in context:
        return None
    out: dict[str, Any] = {"method": "bgnbd", "transactions": context.get("bgnbd_transactions", "invoices"),
                           "fallback": context.get("bgnbd_fallback") or context.get("bgnbd_no_spend")}
    for key, names in (("bgnbd_fit", ("r", "alpha", "a", "b")), ("gamma_gamma_fit", ("p", "q", "gamma"))):
        fit = context.get(key)
        out[key.removesuffix("_fit")] = None if fit is None else {
            "params": {n: float(getattr(fit.params, n)) for n in names},
            "loglik": float(fit.loglik), "n": float(fit.n), "converged": bool(fit.converged), "message": fit.message,
        }
    return out

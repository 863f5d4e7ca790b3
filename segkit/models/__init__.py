"""Statistical CLV and retention models (issue #5).

* :mod:`segkit.models.sbg` - shifted-beta-geometric retention for contractual customers;
* :mod:`segkit.models.transactions` - per-customer (x, t_x, T, zbar) summary from transactions;
* :mod:`segkit.models.bgnbd` - BG/NBD repeat-purchase model for non-contractual customers;
* :mod:`segkit.models.gammagamma` - Gamma-Gamma spend model, CLV and segment bootstrap.

All fits are maximum likelihood with scipy; none of them returns a silent number when it does
not converge (see docs/clv-models.md).
"""

import importlib
from typing import TYPE_CHECKING, Any

#: Name -> the submodule defining it. The submodules import scipy (optimize, special: ~0.7 s), so
#: they load on first use (PEP 562): a run that fits no model never pays for them.
_HOME: dict[str, str] = {
    "BGNBDParams": "bgnbd",
    "BGNBDResult": "bgnbd",
    "bgnbd_log_likelihood": "bgnbd",
    "conditional_expected_transactions": "bgnbd",
    "expected_transactions": "bgnbd",
    "fit_bgnbd": "bgnbd",
    "probability_alive": "bgnbd",
    "probability_of_n_purchases": "bgnbd",
    "GammaGammaParams": "gammagamma",
    "GammaGammaResult": "gammagamma",
    "SegmentCLVBootstrap": "gammagamma",
    "bootstrap_segment_clv": "gammagamma",
    "clv_lifetimes_convention": "gammagamma",
    "conditional_expected_value": "gammagamma",
    "customer_lifetime_value": "gammagamma",
    "fit_gamma_gamma": "gammagamma",
    "gamma_gamma_log_likelihood": "gammagamma",
    "predict_customers": "gammagamma",
    "SBGResult": "sbg",
    "fit_sbg_customers": "sbg",
    "fit_sbg_survival": "sbg",
    "sbg_churn_probability": "sbg",
    "sbg_customers_from_recency": "sbg",
    "sbg_derl": "sbg",
    "sbg_expected_lifetime": "sbg",
    "sbg_retention_rate": "sbg",
    "sbg_survival": "sbg",
    "DAYS_PER_UNIT": "transactions",
    "summarise_transactions": "transactions",
    "validate_summary": "transactions",
}

if TYPE_CHECKING:
    from segkit.models.bgnbd import (
        BGNBDParams,
        BGNBDResult,
        bgnbd_log_likelihood,
        conditional_expected_transactions,
        expected_transactions,
        fit_bgnbd,
        probability_alive,
        probability_of_n_purchases,
    )
    from segkit.models.gammagamma import (
        GammaGammaParams,
        GammaGammaResult,
        SegmentCLVBootstrap,
        bootstrap_segment_clv,
        clv_lifetimes_convention,
        conditional_expected_value,
        customer_lifetime_value,
        fit_gamma_gamma,
        gamma_gamma_log_likelihood,
        predict_customers,
    )
    from segkit.models.sbg import (
        SBGResult,
        fit_sbg_customers,
        fit_sbg_survival,
        sbg_churn_probability,
        sbg_customers_from_recency,
        sbg_derl,
        sbg_expected_lifetime,
        sbg_retention_rate,
        sbg_survival,
    )
    from segkit.models.transactions import DAYS_PER_UNIT, summarise_transactions, validate_summary


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'segkit.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"segkit.models.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "BGNBDParams",
    "BGNBDResult",
    "DAYS_PER_UNIT",
    "GammaGammaParams",
    "GammaGammaResult",
    "SBGResult",
    "SegmentCLVBootstrap",
    "bgnbd_log_likelihood",
    "bootstrap_segment_clv",
    "clv_lifetimes_convention",
    "conditional_expected_transactions",
    "conditional_expected_value",
    "customer_lifetime_value",
    "expected_transactions",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "fit_sbg_customers",
    "fit_sbg_survival",
    "gamma_gamma_log_likelihood",
    "predict_customers",
    "probability_alive",
    "probability_of_n_purchases",
    "sbg_churn_probability",
    "sbg_customers_from_recency",
    "sbg_derl",
    "sbg_expected_lifetime",
    "sbg_retention_rate",
    "sbg_survival",
    "summarise_transactions",
    "validate_summary",
]

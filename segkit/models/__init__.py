"""Statistical CLV and retention models (issue #5).

* :mod:`segkit.models.sbg` - shifted-beta-geometric retention for contractual customers;
* :mod:`segkit.models.transactions` - per-customer (x, t_x, T, zbar) summary from transactions;
* :mod:`segkit.models.bgnbd` - BG/NBD repeat-purchase model for non-contractual customers;
* :mod:`segkit.models.gammagamma` - Gamma-Gamma spend model, CLV and segment bootstrap.

All fits are maximum likelihood with scipy; none of them returns a silent number when it does
not converge (see docs/clv-models.md).
"""

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

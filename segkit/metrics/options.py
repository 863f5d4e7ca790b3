"""The settings every metric reads; the defaults are segkit's defaults (CLI and API alike)."""

from __future__ import annotations

from dataclasses import dataclass

from segkit.features.value.fits import ValueSettings


@dataclass(frozen=True)
class MetricOptions:
    gross_margin: float = 1.0
    min_segment_size: int = 5
    conversion_window_days: int = 90
    #: The CLV method, discount rate and horizon share their defaults with the value features
    #: (``ValueSettings``), where they are declared once.
    clv_method: str = ValueSettings.clv_method
    #: CLV settings (segkit.metrics.clv): a 60-month lifetime cap and horizon, 200 bootstrap
    #: replicates; the same defaults as ``segkit segment``, so a notebook gets the same figures.
    #: None horizon = uncapped, the textbook ARPA x margin / churn.
    discount_rate: float = ValueSettings.discount_rate
    clv_horizon_months: int | None = ValueSettings.clv_horizon_months
    clv_discount_simple: bool = False
    clv_bootstrap: int = 200
    clv_seed: int = 0

"""``feature_set`` (stages 1-2 alone) and ``icp`` (the ideal customer profile over it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from segkit.config import Config
from segkit.errors import InputDataError, UsageError
from segkit.features import FeatureSet
from segkit.jobs.settings import SegmentOptions, resolve_settings
from segkit.jobs.stages import PathLike, TableFiles, as_config, features_for, load_with


def feature_set(
    files: Sequence[PathLike] = (),
    *,
    tables: TableFiles | None = None,
    config: Config | PathLike | None = None,
    options: SegmentOptions | None = None,
    extras: Sequence[str] = (),
    **option_values: Any,
) -> FeatureSet:
    """Stages 1-2 alone: the per-account feature frame (for notebooks, ``icp`` and custom segmenters).

    As-of, period and timezone follow ``segment``; ``extras`` names optional feature groups
    (``segkit.features.extra.EXTRA_FEATURES``).
    """
    options = options or SegmentOptions(**option_values)
    config = as_config(config).with_overrides(list(options.overrides))
    settings = resolve_settings(config, options)
    inputs = load_with(files, tables, config, settings.load)
    return features_for(inputs, settings, list(extras), lambda message: None).features


def icp(
    files: Sequence[PathLike] = (),
    *,
    tables: TableFiles | None = None,
    config: Config | PathLike | None = None,
    options: SegmentOptions | None = None,
    top_share: float = 0.25,
    min_tenure_months: float = 6.0,
    min_accounts: int = 3,
    columns: Sequence[str] | None = None,
    **option_values: Any,
) -> dict[str, Any]:
    """The ideal customer profile: attribute values that over-index among top-value retained accounts."""
    from segkit.metrics.icp import ideal_customer_profile

    if not 0 < top_share <= 1:
        raise UsageError(f"--top-share must be in (0, 1]; got {top_share:g}")
    if min_tenure_months < 0:
        raise UsageError(f"--min-tenure-months must be 0 or more; got {min_tenure_months:g}")
    features = feature_set(files, tables=tables, config=config, options=options, **option_values)
    if not features.has_billing:
        raise InputDataError("icp needs subscriptions (MRR and paying customers) among the inputs")
    return ideal_customer_profile(
        features.frame, top_share=top_share, min_tenure_months=min_tenure_months, min_accounts=min_accounts,
        columns=list(columns or []) or None,
    )

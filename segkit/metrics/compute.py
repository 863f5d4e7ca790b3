"""Stage 4, metrics: the figures of one group of accounts, per segment and overall.

Every metric is computed from the per-account feature frame only, so a segment's figure is the
same function applied to its rows. The metrics, and their definitions, are the ones registered
in ``segkit.metrics.registry`` by the family modules; this module only runs them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.features.build import FeatureSet
from segkit.metrics import registry
from segkit.metrics.options import MetricOptions
from segkit.metrics.registry import Group


def group_metrics(rows: pd.DataFrame, features: FeatureSet, options: MetricOptions, total_accounts: int) -> dict[str, Any]:
    """All registered metrics of one group of accounts (rows of the prepared feature frame)."""
    out: dict[str, Any] = {}
    for item in registry.metrics():
        out.update(item.compute(Group(rows, features, options, total_accounts, out)))
    if len(rows) < options.min_segment_size:
        for key in registry.suppressed_keys():
            if key in out:
                out[key] = None
        out["suppressed"] = True
        out["suppression_reason"] = f"fewer than {options.min_segment_size} accounts (--min-segment-size)"
    else:
        out["suppressed"] = False
    return out


def prepared_frame(features: FeatureSet, options: MetricOptions) -> pd.DataFrame:
    """The feature frame with the columns the ``@prepare`` hooks add (conversion flags)."""
    columns: dict[str, pd.Series] = {}
    for function in registry.prepare_functions():
        columns.update(function(features, options))
    return features.frame.assign(**columns)


def compute_metrics(
    features: FeatureSet, labels: pd.Series | None, order: list[str], options: MetricOptions
) -> list[dict[str, Any]] | dict[str, Any]:
    """Per-segment metrics in segment order, or the overall figures when ``labels`` is None."""
    frame = prepared_frame(features, options)
    frame.attrs = {}  # no metric reads them, and pandas deep-copies attrs into every column and slice (~20% here)
    total = len(frame)
    if labels is None:
        groups = {"all accounts": frame}
    else:
        grouped = frame.groupby(labels.reindex(frame.index), sort=False)
        found = {key: part for key, part in grouped}
        groups = {segment: found[segment] for segment in order if segment in found}
    results = {name: group_metrics(part, features, options, total) for name, part in groups.items()}
    for function in registry.after_groups_functions():
        function(groups, results, features, options)
    if labels is None:
        return results["all accounts"]
    return [{"segment": segment, **metrics} for segment, metrics in results.items()]

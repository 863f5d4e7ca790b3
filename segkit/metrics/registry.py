"""The metric registry: every metric is a function plus its definition, in one family module.

A family module (``counts``, ``conversion``, ``churn``, ``revenue``, ``clv``, ``activation``, ``support``,
``nps``, ``cohorts``) decorates each metric with ``@metric(definitions=..., suppress=...)``; the
definitions (the formula text written into every report) sit beside the code that computes
them. ``compute.compute_metrics`` runs the registered metrics in registration order, so a new
metric is one function in one module (a new family is one more name in ``FAMILIES``).

A metric gets the ``Group`` (its rows of the feature frame and the figures computed so far)
and returns its figures. Two hooks cover what is not per group: ``@prepare`` adds per-account
columns before grouping (conversion flags), ``@after_groups`` sees every group's results at once
(the CLV bootstrap intervals).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from segkit.features.build import FeatureSet
from segkit.metrics.options import MetricOptions

#: The family modules of ``segkit.metrics``, in the order their metrics run.
FAMILIES = ("counts", "conversion", "deals", "churn", "revenue", "clv", "activation", "nps", "cohorts", "support")

PERIOD_NOTE = "period = [start, end) with end = midnight after as-of (UTC) and start = end - period_months"


@dataclass(frozen=True)
class Group:
    """One group of accounts (a segment, or all accounts) as a metric sees it."""

    rows: pd.DataFrame
    features: FeatureSet
    options: MetricOptions
    total_accounts: int
    values: dict[str, Any]  # the figures of the metrics that ran before (report keys)


MetricFunction = Callable[[Group], dict[str, Any]]
PrepareFunction = Callable[[FeatureSet, MetricOptions], dict[str, pd.Series]]
AfterGroupsFunction = Callable[[dict[str, pd.DataFrame], dict[str, dict[str, Any]], FeatureSet, MetricOptions], None]


@dataclass(frozen=True)
class Metric:
    name: str
    family: str
    compute: MetricFunction
    definitions: dict[str, str]
    #: Keys nulled in a segment smaller than min_segment_size.
    suppress: tuple[str, ...]


@dataclass
class _Registry:
    metrics: list[Metric]
    definitions: dict[str, str]
    prepare: list[PrepareFunction]
    after_groups: list[AfterGroupsFunction]


_REGISTRY = _Registry([], {}, [], [])


def _family(function: Callable[..., object]) -> str:
    return function.__module__.rsplit(".", 1)[-1]


def metric(definitions: dict[str, str], suppress: tuple[str, ...] = ()) -> Callable[[MetricFunction], MetricFunction]:
    """Register a metric function with the definitions of the keys it fills."""

    def register(function: MetricFunction) -> MetricFunction:
        _REGISTRY.metrics.append(Metric(function.__name__, _family(function), function, dict(definitions), tuple(suppress)))
        define(definitions)
        return function

    return register


def define(definitions: dict[str, str]) -> None:
    """Register definitions of report figures computed outside a metric function (cohorts)."""
    for key, text in definitions.items():
        if _REGISTRY.definitions.get(key, text) != text:
            raise ValueError(f"metric definition {key!r} registered twice with different text")
        _REGISTRY.definitions[key] = text


def prepare(function: PrepareFunction) -> PrepareFunction:
    """Register per-account columns computed on the whole frame before it is grouped."""
    _REGISTRY.prepare.append(function)
    return function


def after_groups(function: AfterGroupsFunction) -> AfterGroupsFunction:
    """Register a pass over every group's results at once (in place)."""
    _REGISTRY.after_groups.append(function)
    return function


def _load() -> _Registry:
    for family in FAMILIES:
        importlib.import_module(f"segkit.metrics.{family}")
    return _REGISTRY


def metrics() -> tuple[Metric, ...]:
    return tuple(_load().metrics)


def definitions() -> dict[str, str]:
    """Report key -> formula, of every registered metric."""
    return dict(_load().definitions)


def prepare_functions() -> tuple[PrepareFunction, ...]:
    return tuple(_load().prepare)


def after_groups_functions() -> tuple[AfterGroupsFunction, ...]:
    return tuple(_load().after_groups)


def suppressed_keys() -> tuple[str, ...]:
    return tuple(key for m in metrics() for key in m.suppress)

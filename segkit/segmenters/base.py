"""The segmenter contract, shared by built-ins and third-party plugins.

Modelled on scikit-learn estimators: parameters are declared on the class and set in
``__init__`` (checked there, with messages that say what was expected); ``fit(features)``
returns ``self`` and leaves the result in attributes ending in ``_``. ``segkit.testing.
check_segmenter`` checks the contract for any class, ours or a plugin's.
"""

from __future__ import annotations

import math

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from segkit.errors import InputDataError, UsageError
from segkit.features.at_start import AT_START_PREFIX

UNKNOWN = "Unknown"
#: Accounts with no history at the period start, when labels are read there (not "churned").
NEW_IN_PERIOD = "New in period"


@dataclass(frozen=True)
class Param:
    """A declared parameter: default, a check, and the words for what the check wants."""

    default: Any
    doc: str
    check: Callable[[Any], bool] = lambda value: True
    expected: str = "a valid value"


def one_of(*choices: str) -> tuple[Callable[[Any], bool], str]:
    return (lambda v: v in choices), "one of " + ", ".join(repr(c) for c in choices)


def increasing_numbers(positive: bool = True) -> tuple[Callable[[Any], bool], str]:
    def check(value: Any) -> bool:
        if not isinstance(value, (list, tuple)) or not value:
            return False
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value):
            return False
        if positive and any(v <= 0 for v in value):
            return False
        return all(a < b for a, b in zip(value, value[1:]))

    return check, ("a non-empty increasing list of positive numbers" if positive else "a non-empty increasing list of numbers")


def string_list(length: int | None = None) -> tuple[Callable[[Any], bool], str]:
    def check(value: Any) -> bool:
        return (
            isinstance(value, (list, tuple))
            and all(isinstance(v, str) and v for v in value)
            and (length is None or len(value) == length)
        )

    return check, "a list of non-empty strings"


class Segmenter:
    """Base class: subclasses set the class attributes and implement ``_segment``."""

    #: Registry name, as used in ``--by`` and ``[segmenters.NAME]``.
    name: ClassVar[str] = ""
    #: One line for ``segkit segmenters``.
    description: ClassVar[str] = ""
    #: Feature columns the segmenter reads; alternatives as ``"a|b"`` (either will do).
    required_columns: ClassVar[tuple[str, ...]] = ()
    #: Declared parameters with defaults, checks and docs.
    parameters: ClassVar[dict[str, Param]] = {}
    #: Optional feature groups to compute for this segmenter (``segkit.features.extra``).
    extra_features: ClassVar[tuple[str, ...]] = ()
    #: Parameters for an example run (docs, ``segkit.testing.check_segmenter``) when the defaults
    #: alone cannot run, e.g. ``{"column": "industry"}``.
    example_params: ClassVar[dict[str, Any]] = {}
    #: Labels come from facts that change with time (MRR, usage, stage): when they are read
    #: matters, since labels read at as-of are read after the period's churn (SPEC 4).
    time_varying: ClassVar[bool] = False
    #: Feature groups (``segkit.features.at_start``) a segmenter reads when its ``at`` parameter
    #: is ``period_start``: the facts as they stood then, under ``at_start:<column>``.
    at_start_features: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **params: Any) -> None:
        cls = type(self).__name__
        unknown = sorted(set(params) - set(self.parameters))
        if unknown:
            known = ", ".join(sorted(self.parameters)) or "none"
            raise UsageError(f"{cls} has no parameter {unknown[0]!r}; its parameters are: {known}")
        for pname, spec in self.parameters.items():
            value = params.get(pname, spec.default)
            if not spec.check(value):
                raise UsageError(
                    f"The {pname!r} parameter of {cls} must be {spec.expected}. Got {value!r} instead."
                )
            setattr(self, pname, value)

    def get_params(self) -> dict[str, Any]:
        return {pname: getattr(self, pname) for pname in self.parameters}

    def required(self) -> tuple[str, ...]:
        """Columns needed with the current parameters (some depend on e.g. ``by``)."""
        return self.required_columns

    def fit(self, features: pd.DataFrame) -> Segmenter:
        missing = [
            alts for alts in self.required()
            if not any(a in features.columns and features[a].notna().any() for a in alts.split("|"))
        ]
        if missing:
            raise InputDataError(
                f"segmenter {self.name!r} needs {' and '.join(m.replace('|', ' or ') for m in missing)} "
                f"in the inputs, which none of the loaded files provides; map it in segkit.toml"
            )
        labels = self._segment(features)
        if not labels.index.equals(features.index):
            raise RuntimeError(f"segmenter {self.name!r} returned labels for other accounts than it was given")
        self.labels_ = labels.astype("string").fillna(UNKNOWN).rename(self.name)
        present = set(self.labels_.unique())
        order = [s for s in self.segment_order() if s in present]
        self.segments_ = order + sorted(present - set(order))
        return self

    def _segment(self, features: pd.DataFrame) -> pd.Series:  # pragma: no cover - abstract
        raise NotImplementedError

    def segment_order(self) -> list[str]:
        """Natural order of segments for tables (bands small to large); others sort after."""
        return []

    def describe(self) -> dict[str, Any]:
        """Extra facts for the report (for example values that could not be mapped)."""
        return {}

    def feature_groups(self) -> tuple[str, ...]:
        """Optional feature groups to compute for this instance: ``extra_features``, plus the
        period-start groups when the labels are read there (computed only then)."""
        if self.labels_read_at() == "period_start":
            return (*self.extra_features, *self.at_start_features)
        return tuple(self.extra_features)

    def labels_read_at(self) -> str:
        """``period_start`` or ``as_of`` for time-varying labels (the ``at`` parameter where there
        is one, else as-of); ``static`` for attributes that do not move with the outcome."""
        if not self.time_varying:
            return "static"
        return str(getattr(self, "at", "as_of"))

    def untested_segments(self) -> dict[str, str]:
        """Segments left out of the lift and quality tests, with why (e.g. churn_risk's "Not
        scored": the accounts outside the model's population, mostly not customers at the start,
        which would make its conversion test near-circular)."""
        return {}

    def defined_by(self) -> dict[str, str]:
        """Outcomes (``churn``, ``conversion``) the labels are defined by, with why: their quality
        tests are omitted and the report marks them (a paying tier is converted by definition)."""
        return {}


def facts_at_start(features: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``features`` with each of ``columns`` replaced by its period-start value (``at_start:<column>``).

    A column whose period-start value was not computed (no such input) is dropped rather than
    left at its as-of value, so nothing read after the outcome slips in.
    """
    out = features.copy(deep=False)
    for col in columns:
        start = AT_START_PREFIX + col
        if start in features:
            out[col] = features[start]
        elif col in out:
            out = out.drop(columns=col)
    return out


def band(values: pd.Series, cut_points: list[float], labels: list[str]) -> pd.Series:
    """Label numeric values by right-open bands [cut_i, cut_i+1); NaN stays NaN."""
    edges = [-float("inf"), *cut_points, float("inf")]
    return pd.cut(values.astype("float64"), bins=edges, labels=labels, right=False).astype("string")


def range_labels(cut_points: list[float], fmt: Callable[[float], str], unit: str = "") -> list[str]:
    labels = [f"<{fmt(cut_points[0])}{unit}"]
    labels += [f"{fmt(a)}-{fmt(b)}{unit}" for a, b in zip(cut_points, cut_points[1:])]
    labels.append(f"{fmt(cut_points[-1])}+{unit}")
    return labels


def human_number(value: float) -> str:
    """1000 -> 1k, 2500000 -> 2.5M: short labels that still read exactly."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            scaled = value / size
            return f"{scaled:g}{suffix}"
    return f"{value:g}"

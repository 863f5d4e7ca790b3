"""Public helpers of the segmenters stage: parameter checks (``(check, expected)`` pairs for
``Param``) and the frame's time anchors (``as_of``, ``end_of_as_of``, ``period_start``).

Public so that later stages (``segkit.metrics.icp``) and plugin segmenters can use them.
"""

from __future__ import annotations

import math

from collections.abc import Callable
from typing import Any

import pandas as pd

Checked = tuple[Callable[[Any], bool], str]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    """A finite int or float (TOML reads 1e309 as inf, and no parameter can use inf or nan)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def integer(minimum: int | None = None, maximum: int | None = None) -> Checked:
    def check(value: Any) -> bool:
        return _is_int(value) and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)

    if minimum is not None and maximum is not None:
        return check, f"an integer from {minimum} to {maximum}"
    return check, (f"an integer of at least {minimum}" if minimum is not None else "an integer")


def number(minimum: float | None = None, maximum: float | None = None, *, open_low: bool = False) -> Checked:
    def check(value: Any) -> bool:
        if not _is_number(value) or value != value:  # NaN
            return False
        if minimum is not None and (value <= minimum if open_low else value < minimum):
            return False
        return maximum is None or value <= maximum

    low = "" if minimum is None else (f" above {minimum:g}" if open_low else f" of at least {minimum:g}")
    high = "" if maximum is None else f" and at most {maximum:g}"
    return check, f"a number{low}{high}"


def text(allow_empty: bool = True) -> Checked:
    return (lambda v: isinstance(v, str) and (allow_empty or bool(v.strip()))), ("a string" if allow_empty else "a non-empty string")


def boolean() -> Checked:
    return (lambda v: isinstance(v, bool)), "true or false"


def names(allow_empty: bool = True) -> Checked:
    def check(value: Any) -> bool:
        return isinstance(value, (list, tuple)) and (allow_empty or bool(value)) and all(isinstance(v, str) and v for v in value)

    return check, ("a list of column names" if allow_empty else "a non-empty list of names")


def increasing(minimum: float | None = None, maximum: float | None = None, length: int | None = None) -> Checked:
    def check(value: Any) -> bool:
        if not isinstance(value, (list, tuple)) or not value or not all(_is_number(v) for v in value):
            return False
        if length is not None and len(value) != length:
            return False
        if minimum is not None and value[0] <= minimum:
            return False
        if maximum is not None and value[-1] >= maximum:
            return False
        return all(a < b for a, b in zip(value, value[1:]))

    bounds = ""
    if minimum is not None and maximum is not None:
        bounds = f" strictly between {minimum:g} and {maximum:g}"
    size = f" of {length}" if length is not None else ""
    return check, f"an increasing list{size} of numbers{bounds}"


def mapping(value_check: Callable[[Any], bool], expected: str) -> Checked:
    def check(value: Any) -> bool:
        return isinstance(value, dict) and all(isinstance(k, str) and k and value_check(v) for k, v in value.items())

    return check, expected


def as_of(features: pd.DataFrame) -> pd.Timestamp:
    """The frame's as-of (``attrs``), else the latest timestamp in it: never the wall clock."""
    value = features.attrs.get("as_of")
    if value is not None:
        stamp = pd.Timestamp(value)
        return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    latest = [features[c].max() for c in features.columns if isinstance(features[c].dtype, pd.DatetimeTZDtype)]
    latest = [v for v in latest if pd.notna(v)]
    if not latest:
        return pd.Timestamp("1970-01-01", tz="UTC")
    return max(latest)


def end_of_as_of(features: pd.DataFrame) -> pd.Timestamp:
    """The instant the data ends: midnight after the as-of date (the period end), in UTC."""
    if features.attrs.get("as_of") is not None:
        return as_of(features).normalize() + pd.Timedelta(days=1)
    return as_of(features)


def period_start(features: pd.DataFrame) -> pd.Timestamp:
    value = features.attrs.get("period_start")
    if value is not None:
        stamp = pd.Timestamp(value)
        return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    return as_of(features) - pd.DateOffset(months=12)


def as_bool(series: pd.Series) -> pd.Series:
    """Booleans from bool, 0/1 or yes/no/true/false text; anything else is missing."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("boolean")
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.map(lambda v: pd.NA if pd.isna(v) else bool(v != 0)).astype("boolean")
    folded = series.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=series.index, dtype="boolean")
    out[folded.isin(["yes", "y", "true", "t", "1", "churned"]).fillna(False).to_numpy()] = True
    out[folded.isin(["no", "n", "false", "f", "0", "retained"]).fillna(False).to_numpy()] = False
    return out


#: Dates that show an account existed; the earliest of them present dates its history.
HISTORY_DATES = ("created_at", "first_seen", "first_paid_at", "first_invoice_at", "first_deal_at")


def new_in_period(features: pd.DataFrame) -> pd.Series:
    """Accounts with no history at the period start: every date of HISTORY_DATES they have is on or
    after it (an account with no such date at all is not new: there is nothing to say so)."""
    start = period_start(features)
    dates = [pd.to_datetime(features[c], utc=True) for c in HISTORY_DATES if c in features]
    if not dates:
        return pd.Series(False, index=features.index)
    earliest = pd.concat(dates, axis=1).min(axis=1)
    return (earliest >= start).fillna(False).astype(bool)

"""Activation and engagement per account (issue #5).

* ``first_key_event_at``: the first time the account did the key event (``metrics.activation_event``)
  up to as-of. One small DuckDB query over the event engine's ``resolved`` view (the mapped
  event files, users resolved to accounts); the main feature query is not touched. Duplicate
  event ids cannot move a minimum, so no de-duplication is needed.
* ``activation_start``: when the clock starts: ``created_at`` (signup) when
  ``metrics.activation_start = "created_at"`` (the default) and the account has one, else the
  first payment; ``"first_payment"`` uses the first payment only.
* ``days_to_first_value``: days from the start to the first key event (a key event before the
  start, e.g. during a trial, counts as 0 days).
* ``activated``: the first key event came within ``activation_days`` (default 14) of the start;
  ``activation_eligible``: the start is at least ``activation_days`` before the end of as-of,
  so every account had the full window (young accounts do not drag the rate down).
* ``engagement_score``: 0-100, a weighted mean of three parts, each scaled to 0..1:
  active days (``active_days_30`` / 30), breadth (``distinct_events`` / the largest
  ``distinct_events`` of any account) and frequency (log(1 + ``events_30``) / log(1 + the 95th
  percentile of ``events_30`` among accounts with events), capped at 1); default weights 0.4,
  0.3, 0.3 (``metrics.engagement_weights``). Accounts without events score 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from segkit.errors import ConfigError, InputDataError
from segkit.features.events.base import EventEngine

DEFAULT_ENGAGEMENT_WEIGHTS = (0.4, 0.3, 0.3)
ACTIVATION_STARTS = ("created_at", "first_payment")


def first_key_event(engine: EventEngine, event: str, as_of: dt.date) -> pd.Series:
    """First time each account did ``event`` before the midnight after as-of (UTC)."""
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    try:
        frame = engine.first_event(event, end)
    except Exception as exc:  # noqa: BLE001 - each engine raises its own hierarchy
        raise InputDataError(f"cannot read the events for the activation event ({str(exc).splitlines()[0][:200]})") from None
    series = pd.Series(
        pd.to_datetime(frame["first_us"].astype("int64"), unit="us", utc=True).astype("datetime64[us, UTC]").to_numpy(),
        index=pd.Index(frame["account_id"].astype("string"), name="account_id"),
        name="first_key_event_at",
    )
    return series.sort_index()


def _stamps(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column, utc=True, errors="coerce").astype("datetime64[us, UTC]")


def activation_facts(
    frame: pd.DataFrame,
    first_event: pd.Series,
    *,
    end: pd.Timestamp,
    days: int,
    start: str = "created_at",
) -> pd.DataFrame:
    """activation_start, first_key_event_at, days_to_first_value, activated, activation_eligible."""
    if start not in ACTIVATION_STARTS:
        raise ConfigError(f"metrics.activation_start takes {' or '.join(ACTIVATION_STARTS)}; got {start!r}")
    if days < 1:
        raise ConfigError(f"metrics.activation_days must be at least 1; got {days}")
    nat = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")
    # Without subscriptions first_paid_at is an all-null column of another dtype: coerce to time.
    first_paid = _stamps(frame["first_paid_at"]) if "first_paid_at" in frame else nat
    created = _stamps(frame["created_at"]) if "created_at" in frame and start == "created_at" else nat
    began = created.fillna(first_paid)
    first = _stamps(first_event.reindex(frame.index))  # no account did the event: an empty, untyped series
    waited = ((first - began).dt.total_seconds() / 86400).clip(lower=0)
    window = pd.Timedelta(days=days)
    eligible = began.notna() & (began <= end - window)
    out = pd.DataFrame(index=frame.index)
    out["activation_start"] = began
    out["first_key_event_at"] = first
    out["days_to_first_value"] = waited
    out["activation_eligible"] = eligible.fillna(False).astype(bool)
    out["activated"] = (eligible & (waited <= days)).fillna(False).astype(bool)
    return out


def engagement_score(frame: pd.DataFrame, weights: Sequence[float] = DEFAULT_ENGAGEMENT_WEIGHTS) -> pd.Series:
    """0-100 per account from active days, breadth and frequency (see the module docstring)."""
    w = np.asarray(list(weights), dtype=np.float64)
    if w.shape != (3,) or np.any(w < 0) or not np.isfinite(w).all() or w.sum() <= 0:
        raise ConfigError(f"metrics.engagement_weights takes three non-negative numbers (active days, breadth, frequency); got {list(weights)!r}")
    w = w / w.sum()
    active = (frame["active_days_30"].astype("float64") / 30.0).clip(0, 1)
    most = float(frame["distinct_events"].max()) if len(frame) else 0.0
    breadth = frame["distinct_events"].astype("float64") / most if most > 0 else active * 0
    events = frame["events_30"].astype("float64")
    with_events = events[frame["event_count"] > 0]
    p95 = float(np.quantile(with_events, 0.95)) if len(with_events) else 0.0
    frequency = (np.log1p(events) / np.log1p(p95)).clip(0, 1) if p95 > 0 else active * 0
    score = 100.0 * (w[0] * active + w[1] * breadth.fillna(0) + w[2] * frequency)
    return score.rename("engagement_score")

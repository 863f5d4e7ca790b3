"""Per-customer RFM summary (x, t_x, T, zbar) from raw transactions.

These are the inputs of BG/NBD and Gamma-Gamma. The rules are the ones that rebuild the published
CDNOW summary exactly (see shared/datasets/SOURCES.md):

* only transactions on or before the calibration end date count;
* purchases on the same calendar day are merged into one (their amounts are summed): the models
  describe purchase *occasions*, and several order lines of one visit are not repeat purchases;
* x   = number of distinct purchase days - 1 (repeat purchases);
* t_x = time from the first to the last purchase day;
* T   = time from the first purchase day to the calibration end date;
* zbar = mean value of the repeat purchase days (0 when x = 0; Gamma-Gamma ignores those).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

TimeUnit = Literal["days", "weeks", "months"]

#: Length of one time unit in days. A month is the average Gregorian month (365.25 / 12 days).
DAYS_PER_UNIT: dict[str, float] = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12.0}

SUMMARY_COLUMNS = (
    "x",
    "t_x",
    "T",
    "zbar",
    "first_purchase",
    "last_purchase",
    "monetary_total",
    "monetary_mean",
)


def _to_days(values: pd.Series, name: str, date_format: str | None) -> pd.Series:
    """Parse to datetimes and drop the time of day (same-day purchases merge)."""
    if date_format is not None:
        parsed = pd.to_datetime(values.astype(str), format=date_format, errors="coerce")
    elif pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
    elif pd.api.types.is_numeric_dtype(values):
        raise ValueError(
            f"column {name!r} is numeric; pass date_format (e.g. '%Y%m%d') so it is not read as "
            "nanoseconds since 1970"
        )
    else:
        # ISO 8601 only: guessing day-first vs month-first formats silently is worse than asking
        parsed = pd.to_datetime(values, format="ISO8601", errors="coerce")
    if parsed.isna().any():
        raise ValueError(
            f"column {name!r} has {int(parsed.isna().sum())} missing or unparseable dates "
            "(strings must be ISO 8601 unless date_format is given)"
        )
    return parsed.dt.normalize()


def summarise_transactions(
    transactions: pd.DataFrame,
    calibration_end: str | pd.Timestamp,
    *,
    customer_col: str = "customer",
    date_col: str = "date",
    amount_col: str = "amount",
    time_unit: TimeUnit = "weeks",
    date_format: str | None = None,
) -> pd.DataFrame:
    """Build the one-row-per-customer summary used by the BG/NBD and Gamma-Gamma models.

    Returns a DataFrame indexed by customer (sorted) with columns ``x`` (int), ``t_x``, ``T``,
    ``zbar``, ``first_purchase``, ``last_purchase``, ``monetary_total`` (all calibration-period
    spend) and ``monetary_mean`` (mean per purchase day, first day included). Customers whose
    first purchase is after ``calibration_end`` do not appear. Times are in ``time_unit``.
    """
    if time_unit not in DAYS_PER_UNIT:
        raise ValueError(f"time_unit must be one of {sorted(DAYS_PER_UNIT)}, got {time_unit!r}")
    frame, end = _checked_purchases(transactions, calibration_end, customer_col, date_col, amount_col, date_format)
    return _per_customer(frame, end, DAYS_PER_UNIT[time_unit], customer_col)


def _checked_purchases(
    transactions: pd.DataFrame, calibration_end: str | pd.Timestamp, customer_col: str, date_col: str, amount_col: str,
    date_format: str | None,
) -> tuple[pd.DataFrame, pd.Timestamp]:
    """(customer, day, amount) rows up to the calibration end, and that end; ValueError on bad input."""
    missing = [c for c in (customer_col, date_col, amount_col) if c not in transactions.columns]
    if missing:
        raise ValueError(f"transactions is missing column(s) {missing}")
    end = pd.Timestamp(calibration_end)
    if pd.isna(end):
        raise ValueError("calibration_end is not a valid date")
    end = end.normalize()

    customers = transactions[customer_col]
    if customers.isna().any():
        raise ValueError(f"column {customer_col!r} has missing customer ids")
    days = _to_days(transactions[date_col], date_col, date_format)
    if days.dt.tz is not None and end.tz is None:
        end = end.tz_localize(days.dt.tz)
    amounts = pd.to_numeric(transactions[amount_col], errors="coerce")
    if amounts.isna().any() or not np.all(np.isfinite(amounts.to_numpy(dtype=np.float64))):
        raise ValueError(f"column {amount_col!r} has missing or non-numeric amounts")
    if (amounts < 0).any():
        raise ValueError(
            f"column {amount_col!r} has negative amounts; net returns out before summarising"
        )

    frame = pd.DataFrame({"customer": customers.to_numpy(), "day": days.to_numpy(), "amount": amounts.to_numpy()})
    frame = frame[frame["day"] <= end]
    if frame.empty:
        raise ValueError("no transactions on or before the calibration end date")
    return frame, end


def _per_customer(frame: pd.DataFrame, end: pd.Timestamp, unit_days: float, customer_col: str) -> pd.DataFrame:
    # one row per purchase day, sorted so that the first row of each customer is the first day
    daily = frame.groupby(["customer", "day"], sort=True, observed=True)["amount"].sum().reset_index()
    per_customer = daily.groupby("customer", sort=True, observed=True)
    first_day = per_customer["day"].min()
    last_day = per_customer["day"].max()
    purchase_days = per_customer["day"].count()
    total = per_customer["amount"].sum()
    first_amount = per_customer["amount"].first()

    repeat = (purchase_days - 1).astype(np.int64)
    repeat_spend = total - first_amount
    zbar = (repeat_spend / repeat.where(repeat > 0)).fillna(0.0)

    summary = pd.DataFrame(
        {
            "x": repeat,
            "t_x": (last_day - first_day).dt.days / unit_days,
            "T": (end - first_day).dt.days / unit_days,
            "zbar": zbar.astype(np.float64),
            "first_purchase": first_day,
            "last_purchase": last_day,
            "monetary_total": total.astype(np.float64),
            "monetary_mean": (total / purchase_days).astype(np.float64),
        }
    )
    summary.index.name = customer_col
    return summary


def validate_summary(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
    """Raise ValueError unless (x, t_x, T) is a consistent RFM summary.

    Shared by the models so that a malformed summary fails before fitting, not inside scipy.
    """
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("x (repeat purchases) must be non-negative whole numbers")
    if np.any(t_x < 0):
        raise ValueError("t_x (recency) must be non-negative")
    if np.any(T < 0):
        raise ValueError("T (customer age) must be non-negative")
    if np.any(t_x > T):
        count = int(np.sum(t_x > T))
        raise ValueError(f"t_x exceeds T for {count} customer(s): the last purchase is after the end")
    if np.any((x == 0) & (t_x != 0)):
        raise ValueError("t_x must be 0 for customers with no repeat purchase (x = 0)")
    if np.any((x > 0) & (t_x == 0)):
        raise ValueError("t_x must be above 0 for customers with repeat purchases (x > 0): same-day purchases merge")

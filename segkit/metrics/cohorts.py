"""Cohort retention matrices and the share of current MRR by cohort (the "layer cake").

Computed from each account's MRR series at month ends (``segkit.features.movements.mrr_at``,
the state at the end of each month), vectorised over accounts; one Python step per column.

* **Cohort**: the calendar month (or quarter, ``metrics.cohort_period``) of the account's first
  payment (``metrics.cohort_start = "first_payment"``, the default) or of its ``created_at``
  (``"signup"``). Accounts that never paid before the end of as-of are in no first-payment
  cohort; in signup cohorts they count in ``accounts`` but not in ``customers``.
* **Columns**: k = 0, 1, 2, ... periods after the cohort's own period; column k is read at the
  end of period (cohort + k). Only periods that ended by the end of as-of are shown (a young
  cohort has a shorter row: not yet, rather than 0).
* **logo_retention[k]** = the cohort's accounts paying at the end of period k / ``customers``
  (the cohort's accounts that ever paid). For signup cohorts early columns also show conversion.
* **revenue_retention[k]** = the cohort's MRR at the end of period k / ``starting_mrr``, the sum
  of each account's MRR when it first paid (ChartMogul's new-business MRR). Expansion and
  reactivation add and contraction and churn subtract, so it can exceed 100%.
* **m2 / m12**: columns k = 2 and k = 12 of monthly cohorts (k = 4 quarters for m12 of
  quarterly cohorts; m2 is null there), null while the cohort is younger.
* **share_of_mrr**: the cohort's MRR at the end of as-of / all accounts' MRR then (the layer
  cake); ``mrr_without_cohort`` is MRR of accounts with no cohort (no created_at for signup
  cohorts).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit.errors import ConfigError
from segkit.features.billing.codes import ACCOUNT_CODE, account_ids, account_key
from segkit.features.billing.movements import mrr_at
from segkit.metrics.registry import define

COHORT_STARTS = ("first_payment", "signup")
COHORT_PERIODS = {"month": 1, "quarter": 3}

DEFINITIONS = {
    "cohorts": "cohort of an account: the month (or quarter) of its first payment (cohort_start = 'first_payment') or of created_at ('signup'); column k is read at the end of the k-th period after the cohort's own; only ended periods are shown",
    "logo_retention": "cohort accounts paying at the end of period k / the cohort's accounts that ever paid (customers)",
    "revenue_retention": "the cohort's MRR at the end of period k / starting_mrr, the sum of each account's MRR when it first paid; expansion and reactivation add, so it can exceed 100%",
    "retention_m2_m12": "logo_retention_m2, logo_retention_m12, revenue_retention_m2, revenue_retention_m12: columns k = 2 and k = 12 of monthly cohorts (m12 = k = 4 of quarterly cohorts; m2 is null there); null while the cohort is younger",
    "share_of_mrr": "the cohort's MRR at the end of as-of / all accounts' MRR then (the layer cake)",
}
define(DEFINITIONS)


def _month_number(ts: pd.Series) -> np.ndarray:
    """Calendar month as an integer (year * 12 + month - 1); -1 where missing."""
    year = ts.dt.year.astype("float64").to_numpy()
    month = ts.dt.month.astype("float64").to_numpy()
    number = year * 12 + month - 1
    return np.where(np.isnan(number), -1, number).astype(np.int64)


def _label(index: int, step: int) -> str:
    year, month0 = divmod(index * step, 12)
    return f"{year:04d}-{month0 + 1:02d}" if step == 1 else f"{year:04d}-Q{month0 // 3 + 1}"


def _start_of(month_number: int) -> pd.Timestamp:
    year, month0 = divmod(month_number, 12)
    return pd.Timestamp(year=year, month=month0 + 1, day=1, tz="UTC")


def initial_mrr(paying: pd.DataFrame) -> pd.Series:
    """Each account's MRR at its first payment: rows active at that instant, start included."""
    key = account_key(paying)  # integer codes when the rows carry them: grouped and ordered like the ids
    first = paying.groupby(key)["pay_start"].transform("min")
    active = (paying["pay_start"] <= first) & (paying["pay_end"].isna() | (paying["pay_end"] > first))
    starting = paying["mrr"].where(active, 0.0).groupby(key).sum()
    starting.index = account_ids(paying, starting.index)
    return starting


def _placed(values: np.ndarray, rows: np.ndarray, size: int, fill: Any) -> np.ndarray:
    """``values`` (one per paying account, in sorted id order) at their rows of the frame (-1: not
    in it), ``fill`` elsewhere: ``reindex(index)`` by positions found once."""
    if len(rows) == size and (rows == np.arange(size)).all():  # the frame holds exactly these, in order
        return values
    out = np.full((size, *values.shape[1:]), fill, dtype=values.dtype)
    found = rows >= 0
    out[rows[found]] = values[found]
    return out


class CohortMatrix:
    """Per-account cohort keys and per-period MRR, built once and summed for any group."""

    def __init__(self, frame: pd.DataFrame, paying: pd.DataFrame, end: pd.Timestamp, *, start: str = "first_payment",
                 period: str = "month") -> None:
        if start not in COHORT_STARTS:
            raise ConfigError(f"metrics.cohort_start takes {' or '.join(COHORT_STARTS)}; got {start!r}")
        if period not in COHORT_PERIODS:
            raise ConfigError(f"metrics.cohort_period takes {' or '.join(COHORT_PERIODS)}; got {period!r}")
        self.start, self.period, self.step = start, period, COHORT_PERIODS[period]
        paying = paying[paying["pay_start"] < end]
        index = frame.index
        nat = pd.Series(pd.NaT, index=index, dtype="datetime64[us, UTC]")
        by_code = ACCOUNT_CODE in paying  # the accounts in sorted id order, placed by one lookup
        first_paid = paying.groupby(account_key(paying))["pay_start"].min()
        rows = index.get_indexer(account_ids(paying, first_paid.index).astype("string")) if by_code else None
        if by_code:
            instants = _placed(first_paid.to_numpy(dtype="datetime64[us]"), rows, len(index), np.datetime64("NaT", "us"))
            first_paid = pd.Series(instants, index=index).dt.tz_localize("UTC")
        else:
            first_paid = first_paid.reindex(index)
        began = first_paid if start == "first_payment" else (frame["created_at"] if "created_at" in frame else nat)
        months = _month_number(began)
        self.cohort = np.where(months >= 0, months // self.step, -1)
        self.customer = first_paid.notna().to_numpy()
        starting = initial_mrr(paying)
        if by_code:
            self.starting = _placed(np.nan_to_num(starting.to_numpy(dtype=np.float64), nan=0.0, posinf=np.inf, neginf=-np.inf),
                                    rows, len(index), 0.0)
        else:
            self.starting = starting.reindex(index).fillna(0.0).to_numpy(dtype=np.float64)
        self.mrr_now = frame["mrr"].to_numpy(dtype=np.float64) if "mrr" in frame else np.zeros(len(index))
        self.index = index
        valid = self.cohort[self.cohort >= 0]
        if valid.size == 0:
            self.values = np.zeros((len(index), 0))
            self.first_cohort = 0
            return
        self.first_cohort = int(valid.min())
        # period ends from the first cohort's period on, while they are no later than `end`
        ends = []
        p = self.first_cohort
        while True:
            boundary = _start_of((p + 1) * self.step)
            if boundary > end:
                break
            ends.append(boundary)
            p += 1
        matrix = mrr_at(paying, ends) if ends else pd.DataFrame(index=pd.Index([], dtype="string"))
        if ends and by_code and len(matrix) == len(rows):  # the same accounts in the same order as first_paid
            values = np.nan_to_num(matrix.to_numpy(dtype=np.float64), nan=0.0, posinf=np.inf, neginf=-np.inf)
            self.values = _placed(values, rows, len(index), 0.0)
            return
        matrix.index = matrix.index.astype("string")
        self.values = matrix.reindex(index).fillna(0.0).to_numpy(dtype=np.float64) if ends else np.zeros((len(index), 0))

    def table(self, mask: np.ndarray | None = None) -> dict[str, Any]:
        """The cohort rows of the accounts in ``mask`` (all when None)."""
        mask = np.ones(len(self.index), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        n_periods = self.values.shape[1]
        in_cohort = mask & (self.cohort >= 0)
        total_now = float(self.mrr_now[mask].sum())
        rows = []
        for cohort in np.unique(self.cohort[in_cohort]):
            members = in_cohort & (self.cohort == cohort)
            paid = members & self.customer
            customers = int(paid.sum())
            starting = float(self.starting[paid].sum())
            offset = int(cohort) - self.first_cohort
            width = max(0, n_periods - offset)
            block = self.values[paid][:, offset:offset + width]
            logo = [(float((block[:, k] > 0).sum()) / customers) if customers else None for k in range(width)]
            revenue = [(float(block[:, k].sum()) / starting) if starting else None for k in range(width)]
            at = {"m2": 2 if self.step == 1 else None, "m12": 12 // self.step}
            now = float(self.mrr_now[members].sum())
            rows.append({
                "cohort": _label(int(cohort), self.step),
                "cohort_start": _start_of(int(cohort) * self.step).date().isoformat(),
                "accounts": int(members.sum()),
                "customers": customers,
                "starting_mrr": starting,
                "logo_retention": logo,
                "revenue_retention": revenue,
                **{f"logo_retention_{name}": (logo[k] if k is not None and k < width else None) for name, k in at.items()},
                **{f"revenue_retention_{name}": (revenue[k] if k is not None and k < width else None) for name, k in at.items()},
                "mrr": now,
                "share_of_mrr": now / total_now if total_now else None,
            })
        return {
            "start": self.start,
            "period": self.period,
            "mrr": total_now,
            "mrr_without_cohort": float(self.mrr_now[mask & (self.cohort < 0)].sum()),
            "rows": rows,
        }

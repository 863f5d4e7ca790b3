"""MRR movements per account and month (ChartMogul's classification), summed over the period.

MRR is read at each month boundary of the period (period start, +1 month, ..., period end). Between
two boundaries an account's change is one movement: from 0 to positive is **new business** the
first time the account pays and **reactivation** after it had paid before; positive to 0 is
**churn**; up is **expansion**; down is **contraction**. Movements are per account (not per
subscription), so cancelling one of two subscriptions is contraction, and an account churns only
when no subscription of its pays. By construction, for every account and segment:
ending MRR = starting MRR + new + expansion + reactivation - contraction - churn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segkit.features.billing.codes import ACCOUNT_CODE, factorize_accounts
from segkit.features.period import Period

MOVEMENT_COLUMNS = ("mrr_new", "mrr_expansion", "mrr_contraction", "mrr_churn", "mrr_reactivation")


def month_boundaries(period: Period) -> list[pd.Timestamp]:
    """Period start, each month after it, and the period end (the last step may be partial)."""
    points = []
    point = period.start
    while point < period.end:
        points.append(point)
        point = point + pd.DateOffset(months=1)
    points.append(period.end)
    return points


def mrr_at(paying: pd.DataFrame, instants: list[pd.Timestamp]) -> pd.DataFrame:
    """Account x instant MRR matrix, read just before each instant (see billing.active_at).

    Index: the account ids, sorted. The figures are pandas' groupby sums of the rows x instants
    frame this used to build (Kahan-compensated, rows in order), without building it: where at
    most one row of an account pays at an instant, that sum is the row's MRR exactly (adding 0
    changes nothing while the compensation is 0), so only accounts with two rows paying at once
    are summed row by row.
    """
    if paying.empty:
        return pd.DataFrame(columns=range(len(instants)), dtype="float64")
    codes, ids = factorize_accounts(paying)
    start = paying["pay_start"].to_numpy(dtype="datetime64[us]")
    end = paying["pay_end"].to_numpy(dtype="datetime64[us]")
    mrr = paying["mrr"].to_numpy(dtype="float64")
    points = [np.datetime64(t.tz_convert("UTC").tz_localize(None), "us") for t in instants]
    paid = np.flatnonzero((codes >= 0) & (mrr != 0) & ~np.isnan(mrr))  # the rows that can add anything
    order = np.argsort(np.array(points, dtype="datetime64[us]"), kind="stable")  # the instants sorted
    first, stop = _paying_instants(start[paid], end[paid], np.array(points, dtype="datetime64[us]")[order])
    on = first < stop
    p_code, first, stop, p_mrr = codes[paid][on], first[on], stop[on], mrr[paid][on]
    out = np.zeros((len(ids), len(instants)))
    _place_rows(out, p_code, first, stop, p_mrr)
    if (np.diff(order) != 1).any():  # back to the caller's order of instants
        out[:, order] = out.copy()
    overlapping = _overlapping_accounts(p_code, first, stop, len(ids), len(instants))
    if overlapping.any():
        out[overlapping] = _overlapping_sums(codes, start, end, mrr, points, overlapping)
    # copy=False: pandas 3 copies a 2-D array by default (accounts x instants: 1.2 s at 1M accounts)
    return pd.DataFrame(out, index=pd.Index(ids), columns=range(len(instants)), copy=False)


def _paying_instants(start: np.ndarray, end: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row pays at the sorted instants ``first <= k < stop``: ``start < t`` and (no end or
    ``end >= t``), found by binary search instead of a pass over the rows per instant."""
    at = np.array(points, dtype="datetime64[us]")
    first = np.searchsorted(at, start, side="right")  # instants <= start: not yet paying there
    first[np.isnat(start)] = len(at)
    stop = np.where(np.isnat(end), len(at), np.searchsorted(at, end, side="right"))
    return first, stop


def _place_rows(out: np.ndarray, codes: np.ndarray, first: np.ndarray, stop: np.ndarray, mrr: np.ndarray,
                block: int = 200_000) -> None:
    """``out[code, first:stop] = mrr`` for every row, in blocks of rows (bounded memory)."""
    for lo in range(0, len(codes), block):
        widths = (stop[lo:lo + block] - first[lo:lo + block])
        row = np.repeat(np.arange(len(widths)), widths)
        offset = np.arange(len(row)) - np.repeat(np.cumsum(widths) - widths, widths)
        out[codes[lo:lo + block][row], first[lo:lo + block][row] + offset] = mrr[lo:lo + block][row]


def _overlapping_accounts(codes: np.ndarray, first: np.ndarray, stop: np.ndarray, n_accounts: int, n_instants: int) -> np.ndarray:
    """Accounts with two rows paying at one instant: in (account, first) order, a row starting
    before the latest stop of the account's earlier rows (keys offset per account, so one running
    maximum serves every account)."""
    overlapping = np.zeros(n_accounts, dtype=bool)
    if len(codes) < 2:
        return overlapping
    order = np.lexsort((first, codes))
    base = codes[order].astype(np.int64) * (n_instants + 1)
    latest = np.maximum.accumulate(base + stop[order])
    clash = np.zeros(len(order), dtype=bool)
    clash[1:] = base[1:] + first[order][1:] < latest[:-1]
    overlapping[codes[order][clash]] = True
    return overlapping


def _overlapping_sums(codes: np.ndarray, start: np.ndarray, end: np.ndarray, mrr: np.ndarray,
                      points: list[np.datetime64], overlapping: np.ndarray) -> np.ndarray:
    """The accounts with two rows paying at once: pandas' own groupby sum of their rows x instants
    frame (rows in order), so the compensated sums are pandas' to the bit (a re-implementation of
    its summation differed in the last bit: tests/features/test_mrr_matrix.py)."""
    rows = np.flatnonzero((codes >= 0) & overlapping[np.maximum(codes, 0)])
    r_start, r_end, r_mrr = start[rows], end[rows], mrr[rows]
    columns = {k: np.where((r_start < t) & (np.isnat(r_end) | (r_end >= t)), r_mrr, 0.0) for k, t in enumerate(points)}
    return pd.DataFrame(columns, index=codes[rows]).groupby(level=0).sum().to_numpy()


def movement_facts(paying: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Per account: the period's summed movements, start/end MRR at the month boundaries."""
    instants = month_boundaries(period)
    matrix = mrr_at(paying, instants)
    if matrix.empty:
        return pd.DataFrame(columns=[*MOVEMENT_COLUMNS, "mrr_period_start", "mrr_period_end"])
    values = matrix.to_numpy()
    if ACCOUNT_CODE in paying:  # grouped by codes: the accounts in the matrix's (sorted) order
        first = paying.groupby(ACCOUNT_CODE)["pay_start"].min().to_numpy(dtype="datetime64[us]")
    else:
        first = paying.groupby("account_id")["pay_start"].min().reindex(matrix.index).to_numpy(dtype="datetime64[us]")
    out = {name: np.zeros(len(matrix)) for name in MOVEMENT_COLUMNS}
    for k in range(1, len(instants)):
        before, after = values[:, k - 1], values[:, k]
        t_before = np.datetime64(instants[k - 1].tz_convert("UTC").tz_localize(None), "us")
        started = (before == 0) & (after > 0)
        paid_before = first < t_before
        out["mrr_new"] += np.where(started & ~paid_before, after, 0.0)
        out["mrr_reactivation"] += np.where(started & paid_before, after, 0.0)
        out["mrr_churn"] += np.where((before > 0) & (after == 0), before, 0.0)
        both = (before > 0) & (after > 0)
        out["mrr_expansion"] += np.where(both & (after > before), after - before, 0.0)
        out["mrr_contraction"] += np.where(both & (after < before), before - after, 0.0)
    facts = pd.DataFrame(out, index=matrix.index)
    facts["mrr_period_start"] = values[:, 0]
    facts["mrr_period_end"] = values[:, -1]
    facts.index = facts.index.astype("string")
    facts.index.name = "account_id"
    return facts

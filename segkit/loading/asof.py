"""As-of on the loaded tables (SPEC 4 and 6): its default, and the rows and dates after it.

The default as-of is the latest *activity* date (``Dating.activity`` in ``schema.py``: event
times, payments, subscription starts and cancellations, deal creations and closes, survey
answers, ticket creations, cancellations), never a forward-looking date and never the wall
clock. Once as-of is known, ``cut_at_as_of`` makes the tables what an export taken on that day
would have held: rows dated after it (``Dating.row_date``) are excluded and counted as
``rows_after_as_of`` (never rejected, never toward ``--max-rejected``); the rows of accounts
created after it go with them; other dates after it were not known yet and are censored
(a subscription that ended after as-of was still paying then, so a ``canceled`` status read
with it is read as ``active``). The same rule holds for ``--as-of`` and for the default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from segkit.loading.model import Inputs, TableData, is_in
from segkit.loading.schema import TABLES, Dating

#: Dates that may lie after as-of without being unknown then (a trial or a deal still ahead, the
#: invoiced period): never censored, never the default as-of.
FORWARD_LOOKING = frozenset({"trial_end", "period_end", "closed_at", "current_period_end"})
#: Reasons of ``rows_after_as_of`` (in ``InputStats.after_reasons``).
AFTER_AS_OF = "dated after as-of"
ACCOUNT_AFTER_AS_OF = "its account was created after as-of"
#: Statuses read at export time that a later end or cancellation makes wrong on as-of.
ENDED_STATUSES = frozenset({"canceled", "cancelled", "ended", "expired"})
#: ``cells_after_as_of`` key of those statuses: the row ended after as-of, so it was paying then.
STATUS_REREAD = "status (ended after as-of: read as active)"


@dataclass(frozen=True)
class AsOfSource:
    """The default as-of and what set it (``as_of_source`` in report.json: ``events.timestamp``)."""

    date: pd.Timestamp
    source: str


def closed_rows(frame: pd.DataFrame) -> pd.Series:
    """Deals known to be closed (flags or a won/lost stage): only their close date is an activity."""
    closed = pd.Series(False, index=frame.index)
    for flag in ("is_closed", "is_won"):
        if flag in frame:
            closed = closed | frame[flag].astype("boolean").fillna(False).astype(bool)
    if "stage" in frame:
        stage = frame["stage"].astype("string").str.strip().str.lower()
        closed = closed | stage.str.contains("won|lost", regex=True).fillna(False).astype(bool)
    return closed


def latest_activity(inputs: Inputs, event_max: pd.Timestamp | None) -> AsOfSource | None:
    """The latest activity date of any table, and its ``table.column``; None without one.

    Only when no table has an activity date does a row date of another table stand in (an
    accounts table alone: its latest ``created_at``). Ties go to the first table and column in
    ``schema.TABLES`` order, so the source is stable.
    """
    best = _latest(inputs, event_max, lambda dating: dating.activity)
    return best or _latest(inputs, None, lambda dating: dating.row_date)


def _latest(inputs: Inputs, event_max: pd.Timestamp | None,
            columns_of: Callable[[Dating], tuple[str, ...]]) -> AsOfSource | None:
    best: AsOfSource | None = None
    for name, schema in TABLES.items():
        if name == "events":
            if event_max is not None and pd.notna(event_max) and (best is None or event_max > best.date):
                best = AsOfSource(pd.Timestamp(event_max), "events.timestamp")
            continue
        data = inputs.tables.get(name)
        if data is None:
            continue
        for column in columns_of(schema.dating):
            if column not in data.frame:
                continue
            values = data.frame[column]
            if column in schema.dating.when_closed:
                values = values[closed_rows(data.frame)]
            value = values.max() if len(values) else pd.NaT
            if pd.notna(value) and (best is None or value > best.date):
                best = AsOfSource(pd.Timestamp(value), f"{name}.{column}")
    return best


def row_dates(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """Each row's own date: the first non-empty of ``columns`` (NaT without one)."""
    present = [c for c in columns if c in frame]
    if not present:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")
    dates = frame[present[0]]
    for column in present[1:]:
        dates = dates.fillna(frame[column])
    return dates


def cut_at_as_of(inputs: Inputs, as_of: pd.Timestamp) -> None:
    """Exclude and count rows after ``as_of`` (a UTC midnight: the as-of day), censor later dates."""
    end = as_of.normalize() + pd.Timedelta(days=1)
    later_accounts = pd.Index([], dtype="string")
    accounts = inputs.tables.get("accounts")
    if accounts is not None:
        after = _after(accounts.frame, TABLES["accounts"].dating.row_date, end)
        later_accounts = pd.Index(accounts.frame.loc[after, "account_id"].dropna().astype("string").unique())
        _exclude(accounts, after, AFTER_AS_OF)
        _censor("accounts", accounts, end)
    for name, data in inputs.tables.items():
        dating = TABLES[name].dating
        if name == "accounts" or not (dating.row_date or dating.activity):
            continue  # a table with no dates against as-of (fx_rates: a rate dated ahead is never read)
        after = _after(data.frame, TABLES[name].dating.row_date, end)
        _exclude(data, after, AFTER_AS_OF)
        if len(later_accounts) and "account_id" in data.frame:
            _exclude(data, is_in(data.frame["account_id"], later_accounts), ACCOUNT_AFTER_AS_OF)
        _censor(name, data, end)
    if inputs.events is not None:  # a second cut (api.load with as_of, then a run) keeps the first's accounts
        earlier = inputs.events.later_accounts
        inputs.events.later_accounts = later_accounts if earlier is None else earlier.union(later_accounts)


def _after(frame: pd.DataFrame, columns: tuple[str, ...], end: pd.Timestamp) -> pd.Series:
    return (row_dates(frame, columns) >= end).fillna(False).astype(bool)


def _exclude(data: TableData, mask: pd.Series, reason: str) -> None:
    """Drop the masked rows, counted per table and per file as rows after as-of."""
    if not mask.any():
        return
    files = data.row_files if data.row_files is not None else pd.Series("", index=data.frame.index)
    data.stats.exclude_after_as_of(files[mask.to_numpy()].astype(str).value_counts().to_dict(), reason)
    keep = ~mask.to_numpy()
    data.frame = data.frame[keep].reset_index(drop=True)
    if data.row_files is not None:
        data.row_files = data.row_files[keep].reset_index(drop=True)


def _censor(name: str, data: TableData, end: pd.Timestamp) -> None:
    """Dates after as-of in a kept row were not known on as-of: set to empty, counted per column
    in ``cells_after_as_of`` (with the statuses read as active)."""
    frame = data.frame
    dating = TABLES[name].dating
    columns = [c for c in frame.columns if isinstance(frame[c].dtype, pd.DatetimeTZDtype)
               and c not in dating.row_date and c not in FORWARD_LOOKING]
    late = {c: (frame[c] >= end).fillna(False).astype(bool) for c in columns}
    late = {c: mask for c, mask in late.items() if mask.any()}
    if not late:
        return
    if name == "subscriptions" and "status" in frame:
        ended_later = pd.Series(False, index=frame.index)
        for column in ("ended_at", "canceled_at"):
            if column in late:
                ended_later = ended_later | late[column]
        status = frame["status"].astype("string").str.strip().str.lower()
        reread = ended_later & status.isin(ENDED_STATUSES).fillna(False).astype(bool)
        if reread.any():
            frame["status"] = frame["status"].astype("string").mask(reread, "active")
            data.stats.cells_after_as_of[STATUS_REREAD] += int(reread.sum())
    for column, mask in late.items():
        frame[column] = frame[column].mask(mask)
        data.stats.cells_after_as_of[column] += int(mask.sum())

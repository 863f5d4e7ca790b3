"""Duplicate rows: repeated keys (accounts, users) by the duplicates policy, and subscription rows
exported twice, which would double their MRR."""

from __future__ import annotations

import pandas as pd

from segkit.errors import InputDataError
from segkit.loading.model import Rejections, TableData
from segkit.loading.schema import TABLES

#: The reason every duplicate subscription row carries (an export artefact: it does not count
#: toward --max-rejected, see ``segkit.loading.accounting.EXEMPT_REASONS``).
DUPLICATE_SUBSCRIPTION = "duplicate subscription row"


def reject_duplicate_subscriptions(tables: dict[str, TableData], rejections: Rejections) -> None:
    """The same subscription row twice (same subscription_id and started_at; without an id, every
    column equal) would double its MRR: the later copies are rejected with a reason. They are an
    export artefact, found after the per-file ``--max-rejected`` check, so they do not count toward it."""
    data = tables.get("subscriptions")
    if data is None or data.frame.empty:
        return
    frame = data.frame
    columns = [c for c in frame.columns if not c.startswith("_")]
    with_id = frame["subscription_id"].notna() if "subscription_id" in frame else pd.Series(False, index=frame.index)
    if with_id.all() and frame["subscription_id"].is_unique:  # one hash of the ids, not of the pairs
        by_id = pd.Series(False, index=frame.index)
    else:
        by_id = with_id & frame.duplicated(subset=["subscription_id", "started_at"], keep="first") if with_id.any() else with_id
    exact = pd.Series(False, index=frame.index)
    if not with_id.all():  # an equal earlier row has no id either, so only these rows are compared
        exact[~with_id] = frame[~with_id].duplicated(subset=columns, keep="first")
    for mask, reason, column in (
        (by_id, "duplicate subscription row (same subscription_id and started_at; the first is kept)", "subscription_id"),
        (exact, "duplicate subscription row (every column equal; the first is kept)", "account_id"),
    ):
        if not mask.any():
            continue
        values = frame.loc[mask, column] if column in frame else pd.Series("", index=frame.index[mask])
        rejections.add("subscriptions", frame.loc[mask, "_file"], frame.loc[mask, "_line"], column, values, reason)
        data.stats.reject_rows(int(mask.sum()), reason)
        data.stats.notes.append(f"subscriptions: {int(mask.sum())} {reason}")
    data.frame = frame[~(by_id | exact)].reset_index(drop=True)


def dedupe_keys(tables: dict[str, TableData], rejections: Rejections, policy: str = "last") -> None:
    """Duplicate keys (account_id, user_id): by default the last row wins; the others are reported.

    ``policy`` (``load.duplicates``): ``last``, ``first`` or ``error`` (exit 3). A users table with
    ``updated_at`` (Segment group calls) keeps the latest mapping whatever the file order.
    """
    for name, data in tables.items():
        key = TABLES[name].key
        if key is None or key not in data.frame:
            continue
        frame = data.frame
        if "updated_at" in frame and frame["updated_at"].notna().any():
            frame = frame.sort_values("updated_at", kind="stable", na_position="first").reset_index(drop=True)
            kept = "the latest row is kept"
        else:
            kept = f"the {'first' if policy == 'first' else 'last'} row is kept"
        if frame[key].is_unique:  # the usual case, told by one hash of the keys
            dup = pd.Series(False, index=frame.index)
        else:
            dup = frame.duplicated(subset=[key], keep="first" if policy == "first" and "latest" not in kept else "last")
        if dup.any() and policy == "error":
            first = frame.loc[dup].iloc[0]
            raise InputDataError(
                f"{int(dup.sum())} duplicate {key} values (first: {first[key]!r} on line {first['_line']}); "
                "remove them, or set load.duplicates = 'last' or 'first'",
                file=str(first["_file"]),
            )
        if dup.any():
            reason = f"duplicate {key} ({kept})"
            rejections.add(name, frame.loc[dup, "_file"], frame.loc[dup, "_line"], key, frame.loc[dup, key], reason)
            data.stats.reject_rows(int(dup.sum()), reason)
            data.stats.notes.append(f"{name}: {int(dup.sum())} rows with a duplicate {key}; {kept}")
        data.frame = frame[~dup].reset_index(drop=True)

"""Event rows keyed by subscription, and weighted or measured by number columns (both engines).

A usage export often has one row per subscription, feature and day, with ``usage_count``,
``usage_duration_secs`` and ``error_count`` (canonical ``count``, ``duration``, ``error_count``).
Each engine reads these into four more canonical columns of every event row:

- ``subscription_id``: the account is found through the subscriptions table
  (``EventInput.subscription_accounts``) when the row has no account id;
- ``w``: the row's event count (1 when no count column is mapped or the cell is empty);
- ``duration``, ``errors``: the measures (null when not mapped or empty);
- ``bad_number``: a count that is negative, fractional or not a finite number, or a measure that
  is negative or not a finite number; such a row is rejected (``definition.reason_sql``).
"""

from __future__ import annotations

import pandas as pd

from segkit.loading.model import EventFile, EventInput

#: The linking columns every canonical event relation carries, after the original ones.
LINK_COLUMNS = ("subscription_id", "w", "duration", "errors", "bad_number")
LINKS = ", ".join(LINK_COLUMNS)
#: The canonical columns they are read from (an id and the number columns).
LINKED_SOURCES = ("subscription_id", "count", "duration", "error_count")
#: Counts beyond this are not plausible per row (and would overflow a 64-bit sum).
MAX_COUNT = 1e15


def number_sql(text: str, *, whole: bool) -> tuple[str, str]:
    """DuckDB SQL (value, is_bad) for one number column given as trimmed text (null when empty)."""
    num = f"TRY_CAST({text} AS DOUBLE)"
    ok = f"(isfinite({num}) AND {num} >= 0" + (f" AND {num} = floor({num}) AND {num} < {MAX_COUNT:.0f})" if whole else ")")
    bad = f"({text} IS NOT NULL AND NOT coalesce({ok}, false))"
    if whole:
        return f"CASE WHEN {text} IS NULL THEN CAST(1 AS BIGINT) WHEN {ok} THEN CAST({num} AS BIGINT) END", bad
    return f"CASE WHEN {ok} THEN {num} END", bad


def duckdb_link_columns(text_of: dict[str, str | None]) -> str:
    """The ``LINK_COLUMNS`` select list for one file; ``text_of`` maps a canonical column to its text SQL (None: unmapped)."""
    sub = text_of.get("subscription_id") or "CAST(NULL AS VARCHAR)"
    parts = [f"{sub} AS subscription_id"]
    bads = []
    for canonical, name, whole in (("count", "w", True), ("duration", "duration", False), ("error_count", "errors", False)):
        text = text_of.get(canonical)
        if text is None:
            parts.append(f"{'CAST(1 AS BIGINT)' if whole else 'CAST(NULL AS DOUBLE)'} AS {name}")
            continue
        value, bad = number_sql(text, whole=whole)
        parts.append(f"{value} AS {name}")
        bads.append(bad)
    parts.append(f"({' OR '.join(bads) or 'false'}) AS bad_number")
    return ", ".join(parts)


def spark_link_columns(text_of: dict[str, object]) -> list[object]:
    """The same columns as Spark column expressions (``text_of``: canonical -> trimmed text column or None)."""
    from pyspark.sql import functions as F

    sub = text_of.get("subscription_id")
    cols = [(sub if sub is not None else F.lit(None).cast("string")).alias("subscription_id")]
    bads = []
    for canonical, name, whole in (("count", "w", True), ("duration", "duration", False), ("error_count", "errors", False)):
        text = text_of.get(canonical)
        if text is None:
            cols.append((F.lit(1).cast("long") if whole else F.lit(None).cast("double")).alias(name))
            continue
        num = text.cast("double")
        ok = (~F.isnan(num)) & (F.abs(num) != F.lit(float("inf"))) & (num >= 0)
        if whole:
            ok = ok & (num == F.floor(num)) & (num < F.lit(MAX_COUNT))
            value = F.when(text.isNull(), F.lit(1).cast("long")).when(ok, num.cast("long"))
        else:
            value = F.when(ok, num)
        cols.append(value.alias(name))
        bads.append(text.isNotNull() & ~F.coalesce(ok, F.lit(False)))
    bad = F.lit(False)
    for one in bads:
        bad = bad | one
    cols.append(bad.alias("bad_number"))
    return cols


def subscription_links(events: EventInput) -> pd.DataFrame:
    """``subscription_id, account_id`` pairs for the engines (empty when the run has no subscriptions table)."""
    links = events.subscription_accounts
    if links is None:
        links = pd.DataFrame({"subscription_id": pd.Series(dtype="string"), "account_id": pd.Series(dtype="string")})
    return links[["subscription_id", "account_id"]].astype("string")


def has_numbers(files: list[EventFile]) -> bool:
    return any(c in f.mapping for f in files for c in ("count", "duration", "error_count"))


def converted_numbers(files: list[EventFile]) -> str:
    """``segkit convert``'s extra select items: each mapped number column under its canonical name."""
    names = (("count", "w"), ("duration", "duration"), ("error_count", "errors"))
    return "".join(f", {name} AS {canonical}" for canonical, name in names if any(canonical in f.mapping for f in files))


def account_resolution(*, has_subscriptions: bool, has_users: bool) -> tuple[str, str]:
    """The SQL (both engines) that gives an event row its account: an explicit account id wins, then
    the row's subscription (view ``subscriptions_given``), then its user (view ``users_map``).
    Returns the account expression over the rows ``s`` and the joins it needs."""
    accounts, joins = ["s.account_id"], []
    if has_subscriptions:
        accounts.append("m.account_id")
        joins.append("LEFT JOIN subscriptions_given m ON s.account_id IS NULL AND s.subscription_id = m.subscription_id")
    if has_users:
        accounts.append("u.account_id")
        joins.append("LEFT JOIN users_map u ON s.account_id IS NULL AND s.user_id = u.user_id")
    account = f"COALESCE({', '.join(accounts)})" if len(accounts) > 1 else accounts[0]
    return account, " ".join(joins)


def users_map_sql(*, given_users: bool, group_calls: bool) -> str:
    """user -> account (DuckDB): the users table (``users_given``), else each user's latest group call in ``src``."""
    parts = []
    if given_users:
        parts.append("SELECT user_id, account_id FROM users_given")
    if group_calls:
        # The latest group call per user wins; an explicit users table wins over both.
        exclude = "AND user_id NOT IN (SELECT user_id FROM users_given)" if given_users else ""
        parts.append(
            f"""SELECT user_id, group_id AS account_id FROM src
            WHERE call_type = 'group' AND user_id IS NOT NULL AND group_id IS NOT NULL {exclude}
            QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY ts DESC NULLS LAST, group_id) = 1"""
        )
    return " UNION ALL ".join(parts)

"""The event-engine contract and the accounting every engine shares.

An engine (embedded DuckDB, Spark, or a plugin registered under the ``segkit.engines`` entry-point
group) maps the event files onto canonical columns and runs the one feature definition
(``definition.py``). What it must answer is ``EventEngine`` below; how rejected rows are counted,
checked against ``--max-rejected`` and turned into the feature frame is here, once, so every
engine reports the same figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import pandas as pd

from segkit.errors import InputDataError
from segkit.features.events import definition as fdef
from segkit.loading.model import REASON_NOT_TRACK, EventInput, Rejections, is_in
from segkit.loading.formats import label

#: Feature name -> what it means; the report's definitions and docs/features.md use this.
EVENT_FEATURES: dict[str, str] = {
    "event_count": "events up to as-of",
    "distinct_users": "distinct non-null user ids",
    "distinct_events": "distinct event names",
    "first_seen": "first event timestamp (UTC)",
    "last_seen": "last event timestamp (UTC)",
    "active_days_30": "distinct UTC dates with an event in the 30 days ending at as-of",
    "active_days_90": "distinct UTC dates with an event in the 90 days ending at as-of",
    "events_30": "events in the 30 days ending at as-of",
    "events_prior_60": "events in the 60 days before those 30",
    "trend_slope_12w": "least-squares slope of weekly event counts over the last 12 weeks (events/week per week)",
}
#: Features of the measure columns (events.duration, events.error_count), present when mapped.
MEASURE_FEATURE_TEXT: dict[str, str] = {
    "duration_secs": "sum of the events' duration (seconds) up to as-of",
    "duration_secs_per_active_day": "duration_secs / distinct UTC days with an event up to as-of",
    "error_count": "sum of the events' error_count up to as-of",
    "errors_per_active_day": "error_count / distinct UTC days with an event up to as-of",
}

REASON_NO_ACCOUNT = "no account id (and no user -> account mapping)"
REASON_NO_EVENT = "missing event name"
REASON_BAD_TS = "timestamp missing or not a date/time"
REASON_AFTER = "timestamp after as-of"
REASON_DUPLICATE = "duplicate event id"
REASON_UNKNOWN = "account_id not found in the accounts table"
REASON_BEFORE_1970 = "timestamp before 1970"
REASON_NO_SUBSCRIPTION = "no account id, and its subscription_id matches no subscription"
REASON_BAD_NUMBER = "count, duration or error count negative, fractional (count) or not a number"
#: Rows the file reader could not parse (``duckdb_rejects``; the Spark engine flags the same rows).
REASON_FIELDS = "CSV row has the wrong number of fields"
REASON_UTF8 = "line is not valid UTF-8"
REASON_CSV = "CSV row cannot be parsed (quoting or line length)"
REASON_JSON = "line is not valid JSON"

#: Reason code (``definition.REASON_CODES``) -> the text reported and listed in rejected.csv.
REASON_TEXT: dict[int, str] = {
    fdef.REASON_CODES["not_track"]: REASON_NOT_TRACK,
    fdef.REASON_CODES["no_account"]: REASON_NO_ACCOUNT,
    fdef.REASON_CODES["no_event"]: REASON_NO_EVENT,
    fdef.REASON_CODES["bad_ts"]: REASON_BAD_TS,
    fdef.REASON_CODES["before_1970"]: REASON_BEFORE_1970,
    fdef.REASON_CODES["after"]: REASON_AFTER,
    fdef.REASON_CODES["no_subscription"]: REASON_NO_SUBSCRIPTION,
    fdef.REASON_CODES["bad_number"]: REASON_BAD_NUMBER,
    fdef.REASON_CODES["bad_fields"]: REASON_FIELDS,
    fdef.REASON_CODES["bad_utf8"]: REASON_UTF8,
    fdef.REASON_CODES["bad_json"]: REASON_JSON,
}


@dataclass
class EventFeatures:
    frame: pd.DataFrame  # one row per account_id (index), columns EVENT_FEATURES
    max_timestamp: pd.Timestamp | None


@dataclass(frozen=True)
class EventFileSummary:
    """One event file before any feature: records read, and the span of its valid timestamps."""

    rows_read: int
    date_range: tuple[str, str] | None


@runtime_checkable
class EventEngine(Protocol):
    """What a run, ``segkit validate`` and ``segkit convert`` ask of an event engine."""

    name: str

    def max_timestamp(self) -> pd.Timestamp | None: ...

    def file_summary(self) -> dict[str, EventFileSummary]: ...

    def features(self, as_of: dt.date, known_accounts: pd.Index | None, rejections: Rejections) -> EventFeatures: ...

    def features_at(self, as_of: dt.date) -> pd.DataFrame: ...

    def event_detail(self, max_event_names: int) -> tuple[list[str], pd.DataFrame, pd.DataFrame]: ...

    def usage_window(self, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame: ...

    def first_event(self, event: str, end: pd.Timestamp | dt.datetime) -> pd.DataFrame: ...

    def event_days(self, end: pd.Timestamp | dt.datetime) -> pd.DataFrame: ...

    def convert(self, out: Path, rejections: Rejections, *, as_of: dt.date | None = None) -> int: ...

    def close(self) -> None: ...


@dataclass
class Settled:
    """An engine's raw per-account rows after the shared accounting."""

    frame: pd.DataFrame
    counts: dict[str, int]
    unknown: list[str]
    total: int
    #: rows after as-of (timestamp after it, or an account created after it): excluded, not rejected
    after_as_of: int = 0


#: Why event rows count as after as-of (``InputStats.after_reasons``).
AFTER_TIMESTAMP = "timestamp after as-of"
AFTER_ACCOUNT = "its account was created after as-of"


def settle_events(events: EventInput, frame: pd.DataFrame, by_code: dict[int, int], duplicates: int,
                  known_accounts: pd.Index | None, unparsed: dict[str, int] | None = None) -> Settled:
    """Count rejections per reason, drop unknown accounts, record the input stats, apply --max-rejected.

    Rows after as-of are not rejections (SPEC 6): events timed after it, and the events of
    accounts created after it (``EventInput.later_accounts``), are counted as ``rows_after_as_of``.
    ``unparsed``: rows the engine's reader could not parse at all, per reason (counted and listed
    by the engine; they are rows read, never used).
    """
    by_code, after = split_after(by_code)
    frame, counts, total = settle(frame, by_code, duplicates)
    for reason, n in (unparsed or {}).items():
        counts[reason] = counts.get(reason, 0) + int(n)
        total += int(n)
    after_reasons = {AFTER_TIMESTAMP: after}
    unknown: list[str] = []
    if known_accounts is not None and len(frame):
        orphan = ~is_in(frame["account_id"], known_accounts)
        later = events.later_accounts
        if later is not None and len(later) and orphan.any():
            late = orphan & is_in(frame["account_id"], later)
            after_reasons[AFTER_ACCOUNT] = int(_rows(frame.loc[late]).sum())
            frame, orphan = frame[~late], orphan[~late]
        if orphan.any():
            unknown = frame.loc[orphan, "account_id"].tolist()
            counts[REASON_UNKNOWN] = int(_rows(frame.loc[orphan]).sum())
            frame = frame[~orphan]
    total += after  # the late accounts' events are in the frame's counts already
    record_counts(events, counts, int(total), after_reasons)
    check_rejected_share(events, counts, int(total))
    return Settled(frame=frame, counts=counts, unknown=unknown, total=int(total), after_as_of=sum(after_reasons.values()))


def split_after(by_code: dict[int, int]) -> tuple[dict[int, int], int]:
    """The reason counts without "timestamp after as-of", and that count (rows after as-of)."""
    code = fdef.REASON_CODES["after"]
    return {c: n for c, n in by_code.items() if c != code}, int(by_code.get(code, 0))


def record_counts(events: EventInput, counts: dict[str, int], total: int,
                  after: dict[str, int] | None = None) -> None:
    """The events' input stats: ``total`` rows read, each rejection reason's and the after-as-of rows taken off."""
    stats = events.stats
    stats.rows_read = stats.rows_used = int(total)
    stats.rows_after_as_of = 0
    stats.after_reasons.clear()
    stats.file_after_as_of.clear()
    for reason, count in sorted(counts.items()):
        stats.reject_rows(int(count), reason)
    files = [label(f.path) for f in events.files]
    for reason, count in sorted((after or {}).items()):
        # per file only where there is one file: the engines count after-as-of rows per run
        stats.exclude_after_as_of({files[0] if len(files) == 1 else "": int(count)}, reason)


def settle(frame: pd.DataFrame, by_code: dict[int, int], duplicates: int) -> tuple[pd.DataFrame, dict[str, int], int]:
    """The rejected counts as ``{reason text: rows}`` and the rows read (used + rejected)."""
    counts = {REASON_TEXT[code]: n for code, n in by_code.items() if n}
    if duplicates:
        counts[REASON_DUPLICATE] = duplicates
    used = int(_rows(frame).sum()) if len(frame) else 0
    return frame, counts, used + sum(counts.values())


def _rows(frame: pd.DataFrame) -> pd.Series:
    """Rows per account (``event_rows``; an engine without a count column may give only ``event_count``)."""
    return frame["event_rows"] if "event_rows" in frame else frame["event_count"]


def finish_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The engine's rows as the feature frame: index ``account_id`` (string), UTC times, int64 counts."""
    frame = frame.copy()
    for col in ("first_seen", "last_seen"):
        values = pd.to_datetime(frame[col])
        if values.dt.tz is None:
            values = values.dt.tz_localize("UTC")
        frame[col] = values.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    frame = frame.set_index("account_id")
    frame.index = frame.index.astype("string")
    for col in fdef.COUNT_COLUMNS:
        frame[col] = frame[col].astype("int64")
    frame["trend_slope_12w"] = frame["trend_slope_12w"].astype("float64")
    measures = [c for c in MEASURE_FEATURE_TEXT if c in frame]
    for col in measures:
        frame[col] = frame[col].astype("float64")
    return frame[[*fdef.FEATURE_COLUMNS, *measures]]


def measures_of(events: EventInput) -> tuple[str, ...]:
    """The measure columns (``definition.MEASURE_FEATURES``) any event file maps."""
    return tuple(m for m in fdef.MEASURE_FEATURES if any(m in f.mapping for f in events.files))


#: Columns of ``EventEngine.features_at``: the features plus breadth in the 90 days before that date.
FEATURES_AT_COLUMNS = (*fdef.FEATURE_COLUMNS, "distinct_events_90")


def finish_frame_at(frame: pd.DataFrame) -> pd.DataFrame:
    """``features_at`` rows as a frame like ``finish_frame``'s (sorted by account), plus ``distinct_events_90``."""
    breadth = frame.set_index("account_id")["distinct_events_90"]
    out = finish_frame(frame)
    breadth.index = breadth.index.astype("string")
    out["distinct_events_90"] = breadth.reindex(out.index).fillna(0).astype("int64")
    return out.sort_index(kind="stable")[list(FEATURES_AT_COLUMNS)]


def check_rejected_share(events: EventInput, counts: dict[str, int], total: int) -> None:
    """``--max-rejected`` for the event files together (Segment non-track calls do not count)."""
    limit = events.max_rejected
    bad = {r: n for r, n in counts.items() if r != REASON_NOT_TRACK}
    if limit is None or not total or sum(bad.values()) / total <= limit:
        return
    top = max(bad.items(), key=lambda kv: kv[1])[0]
    share = sum(bad.values()) / total
    raise InputDataError(
        f"{sum(bad.values())} of {total} event rows rejected ({share:.1%}, more than --max-rejected {limit:g}); "
        f"most common: {top}",
        file=", ".join(label(f.path) for f in events.files),
    )


def to_us(value: pd.Timestamp | dt.datetime) -> int:
    """An instant as microseconds since 1970 (naive means UTC), the unit of ``definition.py``."""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return int(stamp.value // 1000)


def first_line(exc: BaseException) -> str:
    """An engine error's first line, short enough for a one-line message."""
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__

"""Stage-1 data: what loading hands the features stage (tables, mapped event files, accounting).

Every class here is plain data. ``loader.py`` fills them; ``segkit.features`` reads them; the
rejected-row reasons that both stages write (``CELL_REASON_SUFFIX``, ``REASON_NOT_TRACK``) live
here so neither imports the other's internals.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from segkit.errors import UsageError
from segkit.loading.parse import RANGE_POLICIES
from segkit.loading.presets.base import PresetOptions
from segkit.loading.formats import FileFormat
from segkit.loading.readers import check_encoding, parse_delimiter

REJECTED_COLUMNS = ["table", "file", "line", "column", "value", "reason"]
CELL_REASON_SUFFIX = "; cell set to null, row kept"
#: Segment calls other than track: skipped by design (group calls feed the user -> account map).
REASON_NOT_TRACK = "not a track call (Segment group calls feed the user -> account map)"
DUPLICATE_POLICIES = ("last", "first", "error")


@dataclass
class InputStats:
    """The accounting the report shows for one table."""

    table: str
    preset: str
    files: list[str] = field(default_factory=list)
    sha256: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_used: int = 0
    rows_rejected: int = 0
    #: rows dated after as-of (or of an account created after it): excluded, never rejected (SPEC 6)
    rows_after_as_of: int = 0
    cells_rejected: int = 0
    header_rows: int = 0  # extra header rows skipped (Qualtrics, SurveyMonkey): not data, not in rows_read
    reasons: Counter = field(default_factory=Counter)
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> export's column
    notes: list[str] = field(default_factory=list)  # things done to the data the user should know
    file_rows: dict[str, int] = field(default_factory=dict)  # rows read per file
    file_presets: dict[str, str] = field(default_factory=dict)  # preset per file
    file_dates: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = field(default_factory=dict)  # used rows' date range
    file_header_rows: dict[str, int] = field(default_factory=dict)  # extra header rows skipped per file
    file_after_as_of: dict[str, int] = field(default_factory=dict)  # rows after as-of per file
    after_reasons: Counter = field(default_factory=Counter)  # why rows count as after as-of
    #: kept rows' cells dated after as-of, read as empty (not known then), per column (loading.asof)
    cells_after_as_of: Counter = field(default_factory=Counter)

    def reject_rows(self, count: int, reason: str) -> None:
        if count:
            self.rows_used -= count
            self.rows_rejected += count
            self.reasons[reason] += count

    def exclude_after_as_of(self, per_file: dict[str, int], reason: str) -> None:
        """Rows after as-of leave the used rows: rows_read = rows_used + rows_rejected + rows_after_as_of."""
        count = int(sum(per_file.values()))
        if count:
            self.rows_used -= count
            self.rows_after_as_of += count
            self.after_reasons[reason] += count
            for file, n in per_file.items():
                self.file_after_as_of[file] = self.file_after_as_of.get(file, 0) + int(n)

    def hashes(self) -> list[str]:
        """The files' sha256 (event files are hashed in the background while the engine reads them)."""
        from segkit.loading.formats import resolved

        self.sha256 = resolved(self.sha256)
        return self.sha256

    def as_report(self) -> dict:
        return {
            "files": self.files,
            "preset": self.preset,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "rows_rejected": self.rows_rejected,
            "rows_after_as_of": self.rows_after_as_of,
            "after_as_of_reasons": dict(sorted(self.after_reasons.items())),
            "cells_after_as_of": dict(sorted(self.cells_after_as_of.items())),
            "cells_rejected": self.cells_rejected,
            "sha256": self.hashes(),
            **({"header_rows_skipped": self.header_rows} if self.header_rows else {}),
            "top_rejection_reasons": [
                {"reason": r, "rows": n} for r, n in sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
            ],
        }


class Rejections:
    """Collects rejected rows and cells from every stage for ``rejected.csv``."""

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []

    def add(
        self,
        table: str,
        file: str | pd.Series,
        lines: pd.Series,
        column: str | pd.Series,
        values: pd.Series,
        reasons: str | pd.Series,
    ) -> None:
        """Record rejected rows or cells; any argument may be one value or one per row."""
        if len(lines) == 0:
            return

        def col(value: str | pd.Series) -> object:
            return value if isinstance(value, str) else pd.Series(value).astype("string").to_numpy()

        part = pd.DataFrame(
            {
                "table": table,
                "file": col(file),
                "line": pd.Series(lines).to_numpy(),
                "column": col(column),
                "value": pd.Series(values).astype("string").to_numpy(),
                "reason": col(reasons),
            }
        )
        self._parts.append(part)

    def add_frame(self, frame: pd.DataFrame) -> None:
        if len(frame):
            self._parts.append(frame[REJECTED_COLUMNS])

    def frame(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame({c: pd.Series(dtype="string" if c != "line" else "Int64") for c in REJECTED_COLUMNS})
        frame = pd.concat(self._parts, ignore_index=True)
        frame["line"] = frame["line"].astype("Int64")
        return frame.sort_values(["table", "file", "line", "column"], kind="stable", na_position="last").reset_index(drop=True)


@dataclass
class TableData:
    name: str
    frame: pd.DataFrame
    stats: InputStats
    #: the file of each row of ``frame`` (same order), for per-file accounting after loading
    row_files: pd.Series | None = None


@dataclass(frozen=True)
class EventFile:
    path: Path
    format: FileFormat
    mapping: dict[str, str]
    options: PresetOptions = field(default_factory=PresetOptions, hash=False, compare=False)  # the preset's


@dataclass
class EventInput:
    """Event files mapped but not read: the feature engine reads them in DuckDB."""

    files: list[EventFile]
    stats: InputStats
    max_rejected: float | None = None  # the engine fails the run above this share (--max-rejected)
    #: subscription_id -> account_id from the subscriptions table (every row, whatever its dates;
    #: an id given to two accounts is left out), for event rows keyed by subscription only.
    subscription_accounts: pd.DataFrame | None = None

    @property
    def has_subscription_ids(self) -> bool:
        return any("subscription_id" in f.mapping for f in self.files)
    #: accounts created after as-of (``loading.asof``): their events count as after as-of, not unknown
    later_accounts: pd.Index | None = None


@dataclass
class Inputs:
    tables: dict[str, TableData]
    events: EventInput | None
    rejections: Rejections

    def frame(self, table: str) -> pd.DataFrame | None:
        data = self.tables.get(table)
        return data.frame if data else None

    def stats(self) -> dict[str, InputStats]:
        out = {name: t.stats for name, t in self.tables.items()}
        if self.events is not None:
            out["events"] = self.events.stats
        return out


@dataclass(frozen=True)
class LoadOptions:
    """How files are read; every field has a CLI flag or a ``[load]`` key (docs/inputs.md)."""

    timezone: str = "UTC"
    max_rejected: float = 0.05
    decimal: str = "auto"  # ".", "," or "auto" (per column, see parse.guess_decimal)
    encoding: str | None = None  # None: sniffed
    delimiter: str | None = None  # None: sniffed from the header
    date_format: str | None = None  # strptime layout tried before ISO 8601
    as_of: pd.Timestamp | None = None  # --as-of: rows after this day are excluded and counted (loading.asof)
    ranges: str = "reject"  # number ranges: reject, midpoint, low, high
    duplicates: str = "last"  # duplicate account/user ids: last, first, error
    amount_unit: str | None = None  # major or minor; None: the preset's (Stripe API: minor)
    group_key: str | None = None  # events: the group/property key holding the account id

    def checked(self) -> LoadOptions:
        """The options with every value validated (a bad one is a usage error, exit 2)."""
        if self.decimal not in (".", ",", "auto"):
            raise UsageError(f"--decimal takes . or , (or auto); got {self.decimal!r}")
        if self.ranges not in RANGE_POLICIES:
            raise UsageError(f"load.ranges takes one of {', '.join(RANGE_POLICIES)}; got {self.ranges!r}")
        if self.duplicates not in DUPLICATE_POLICIES:
            raise UsageError(f"load.duplicates takes one of {', '.join(DUPLICATE_POLICIES)}; got {self.duplicates!r}")
        if self.amount_unit not in (None, "major", "minor"):
            raise UsageError(f"--amount-unit takes major or minor; got {self.amount_unit!r}")
        if not 0 <= self.max_rejected <= 1:
            raise UsageError(f"--max-rejected takes a fraction between 0 and 1; got {self.max_rejected:g}")
        if self.date_format is not None and "%" not in self.date_format:
            raise UsageError(f"--date-format takes strptime codes such as %d/%m/%Y; got {self.date_format!r}")
        return replace(self, encoding=check_encoding(self.encoding), delimiter=parse_delimiter(self.delimiter))

    @property
    def latest(self) -> pd.Timestamp | None:
        """The first instant after the as-of day: dates from here on are in the future."""
        if self.as_of is None:
            return None
        day = pd.Timestamp(self.as_of)
        day = day.tz_localize("UTC") if day.tzinfo is None else day.tz_convert("UTC")
        return day.normalize() + pd.Timedelta(days=1)



def is_in(values: pd.Series, known: pd.Index | pd.Series) -> pd.Series:
    """``values.isin(known)`` for string ids through Arrow (pandas' Arrow-string isin loops in Python)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        hit = pc.is_in(pa.array(values.astype("string"), type=pa.large_string()),
                       value_set=pa.array(pd.Series(known).astype("string").dropna().unique(), type=pa.large_string()))
    except (pa.ArrowException, TypeError, ValueError):
        return values.isin(known).fillna(False).astype(bool)
    return pd.Series(hit.fill_null(False).to_numpy(zero_copy_only=False), index=values.index)


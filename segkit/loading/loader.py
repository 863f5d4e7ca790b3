"""Load and validate: files -> canonical tables, with every row either used or rejected.

This is the one home of input accounting. Per table it records rows read, used and rejected
(``rows_read == rows_used + rows_rejected`` always holds), and every rejected row or cell goes to
``rejected.csv`` with its file, line, column, value and reason. Events are not loaded here: only
their header is mapped, and ``segkit.features.events`` reads them inside DuckDB.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from segkit.config import Config
from segkit.errors import InputDataError, UsageError
from segkit.loading.parse import parse_column
from segkit.loading.presets import Detection, Preset, builtin_presets, config_presets, detect
from segkit.loading.readers import FileFormat, detect_format, read_header, read_table, sha256_of
from segkit.loading.schema import TABLES

REJECTED_COLUMNS = ["table", "file", "line", "column", "value", "reason"]
#: Tables with free-form columns worth keeping (custom CRM fields, needs-survey answers).
PASSTHROUGH_TABLES = ("accounts", "surveys")
#: Values outside these ranges are refused per cell: (low, high, reason).
CELL_RANGES: dict[str, dict[str, tuple[float, float, str]]] = {
    "surveys": {"score": (0, 10, "NPS score outside 0..10")},
    "accounts": {"employees": (0, 10_000_000, "employee count outside 0..10,000,000")},
}


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
    cells_rejected: int = 0
    reasons: Counter = field(default_factory=Counter)
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> export's column

    def reject_rows(self, count: int, reason: str) -> None:
        if count:
            self.rows_used -= count
            self.rows_rejected += count
            self.reasons[reason] += count

    def as_report(self) -> dict:
        return {
            "files": self.files,
            "preset": self.preset,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "rows_rejected": self.rows_rejected,
            "cells_rejected": self.cells_rejected,
            "sha256": self.sha256,
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


@dataclass(frozen=True)
class EventFile:
    path: Path
    format: FileFormat
    mapping: dict[str, str]


@dataclass
class EventInput:
    """Event files mapped but not read: the feature engine reads them in DuckDB."""

    files: list[EventFile]
    stats: InputStats


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
    timezone: str = "UTC"
    max_rejected: float = 0.05
    decimal: str = "."


def assign_files(
    files: list[Path], explicit: dict[str, list[Path]], config: Config
) -> list[tuple[Path, str | None]]:
    """Pair every input file with its table when known (flags, config), else ``None`` to detect."""
    pairs: list[tuple[Path, str | None]] = []
    seen: set[Path] = set()
    for table, paths in explicit.items():
        for path in paths:
            pairs.append((path, table))
            seen.add(path)
    for table, spec in config.inputs.items():
        for path in spec.files:
            if path not in seen and not (explicit.get(table)):
                pairs.append((path, table))
                seen.add(path)
    for path in files:
        if path not in seen:
            pairs.append((path, None))
            seen.add(path)
    return pairs


def load_inputs(
    files: list[Path],
    explicit: dict[str, list[Path]] | None = None,
    config: Config | None = None,
    options: LoadOptions | None = None,
) -> Inputs:
    """Read, map, parse and validate every input; events are only mapped (see module doc)."""
    config = config or Config()
    options = options or LoadOptions()
    presets: list[Preset] = config_presets(config) + builtin_presets()
    pairs = assign_files(files, explicit or {}, config)
    if not pairs:
        raise UsageError("no input files: name exports as arguments, with --accounts/--subscriptions/..., or in segkit.toml [inputs]")
    rejections = Rejections()
    per_table: dict[str, list[pd.DataFrame]] = {}
    stats: dict[str, InputStats] = {}
    event_files: list[EventFile] = []
    for path, table in pairs:
        path = Path(os.path.normpath(path))
        fmt = detect_format(path)
        header = read_header(path, fmt)
        detection = detect(header, presets, file=str(path), table=table)
        table = detection.preset.table
        st = stats.setdefault(table, InputStats(table=table, preset=detection.preset.name))
        if detection.preset.name not in st.preset.split(","):
            st.preset += f",{detection.preset.name}"
        st.files.append(str(path))
        for canonical, source in detection.mapping.items():
            st.columns.setdefault(canonical, source)
        st.sha256.append(sha256_of(path))
        if table == "events":
            event_files.append(EventFile(path, fmt, detection.mapping))
            continue
        frame = _load_file(path, fmt, detection, header, options, st, rejections)
        per_table.setdefault(table, []).append(frame)
    tables: dict[str, TableData] = {}
    for table, frames in per_table.items():
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        tables[table] = TableData(table, frame, stats[table])
    _dedupe_keys(tables, rejections)
    _link_to_accounts(tables, rejections)
    for data in tables.values():
        data.frame = data.frame.drop(columns=["_file", "_line"]).reset_index(drop=True)
    events = EventInput(event_files, stats["events"]) if event_files else None
    return Inputs(tables=tables, events=events, rejections=rejections)


def _line_numbers(fmt: FileFormat, n: int) -> pd.Series:
    """Line of each record: CSV counts the header as line 1; JSON Lines and Parquet start at 1."""
    offset = 2 if fmt.kind == "csv" else 1
    return pd.Series(range(offset, n + offset), dtype="Int64")


def _load_file(
    path: Path,
    fmt: FileFormat,
    detection: Detection,
    header: list[str],
    options: LoadOptions,
    stats: InputStats,
    rejections: Rejections,
) -> pd.DataFrame:
    table = detection.preset.table
    schema = TABLES[table]
    raw = read_table(path, fmt).to_pandas(types_mapper=None)
    n = len(raw)
    file = str(path)
    stats.rows_read += n
    stats.rows_used += n
    lines = _line_numbers(fmt, n)
    out = pd.DataFrame(index=raw.index)
    row_bad = pd.Series(pd.NA, index=raw.index, dtype="string")
    required_names = {name for alts in schema.required for name in alts}
    for canonical, source in detection.mapping.items():
        column = schema.column(canonical)
        parsed = parse_column(raw[source], column.kind, timezone=options.timezone, decimal=options.decimal)
        out[canonical] = parsed.values
        bad = parsed.bad
        if bad.any():
            if canonical in required_names:
                row_bad = row_bad.mask(bad & row_bad.isna(), f"{source}: " + parsed.reasons)
            else:
                stats.cells_rejected += int(bad.sum())
                rejections.add(
                    table, file, lines[bad], source, raw.loc[bad, source],
                    parsed.reasons[bad] + "; cell set to null, row kept",
                )
    for alternatives in schema.required:
        present = [a for a in alternatives if a in out.columns]
        if not present:
            continue
        missing = out[present].isna().all(axis=1)
        names = " or ".join(detection.mapping.get(a, a) for a in present)
        row_bad = row_bad.mask(missing & row_bad.isna(), f"{names}: missing required value")
    _table_rules(table, out, row_bad)
    for canonical, (low, high, what) in CELL_RANGES.get(table, {}).items():
        if canonical in out:
            outside = ((out[canonical] < low) | (out[canonical] > high)).fillna(False).astype(bool)
            if outside.any():
                source = detection.mapping[canonical]
                stats.cells_rejected += int(outside.sum())
                rejections.add(table, file, lines[outside], source, raw.loc[outside, source], f"{what}; cell set to null, row kept")
                out[canonical] = out[canonical].mask(outside)
    if table in PASSTHROUGH_TABLES:
        used = set(detection.mapping.values())
        for name in raw.columns:
            if name not in used and name not in out.columns and not name.startswith("_"):
                out[name] = raw[name].astype("string").str.strip().replace("", pd.NA)
    bad_rows = row_bad.notna()
    if bad_rows.any():
        first_col = row_bad[bad_rows].str.split(":", n=1).str[0]
        values = [raw.at[i, c] if c in raw.columns else pd.NA for i, c in zip(row_bad[bad_rows].index, first_col)]
        reasons = row_bad[bad_rows].str.split(":", n=1).str[1].str.strip()
        rejections.add(table, file, lines[bad_rows], first_col, pd.Series(values), reasons)
        for reason, count in reasons.value_counts().items():
            stats.reject_rows(int(count), str(reason))
    share = bad_rows.sum() / n if n else 0.0
    if n == 0:
        raise InputDataError("header only, no data rows", file=file)
    if share > options.max_rejected:
        top = row_bad[bad_rows].value_counts().index[0]
        raise InputDataError(
            f"{bad_rows.sum()} of {n} rows rejected ({share:.1%}, more than --max-rejected {options.max_rejected:g}); "
            f"most common: {top}",
            file=file,
        )
    out["_file"] = file
    out["_line"] = lines
    return out[~bad_rows].reset_index(drop=True)


def _table_rules(table: str, out: pd.DataFrame, row_bad: pd.Series) -> None:
    """Rules that involve more than one cell or a value range, per table."""
    def flag(mask: pd.Series, reason: str) -> None:
        row_bad[:] = row_bad.mask(mask.fillna(False) & row_bad.isna(), reason)

    if table == "subscriptions":
        if "mrr" in out:
            flag(out["mrr"] < 0, "mrr: negative MRR")
        if "amount" in out:
            flag(out["amount"] < 0, "amount: negative amount")
        if "ended_at" in out and "started_at" in out:
            flag(out["ended_at"] < out["started_at"], "ended_at: ends before it starts")


def _dedupe_keys(tables: dict[str, TableData], rejections: Rejections) -> None:
    """Duplicate keys (account_id, user_id): the last row wins; the others are reported."""
    for name, data in tables.items():
        key = TABLES[name].key
        if key is None or key not in data.frame:
            continue
        frame = data.frame
        dup = frame.duplicated(subset=[key], keep="last")
        if dup.any():
            rejections.add(
                name, frame.loc[dup, "_file"], frame.loc[dup, "_line"], key, frame.loc[dup, key],
                f"duplicate {key} (the last row is kept)",
            )
            data.stats.reject_rows(int(dup.sum()), f"duplicate {key} (the last row is kept)")
            data.frame = frame[~dup].reset_index(drop=True)


def _link_to_accounts(tables: dict[str, TableData], rejections: Rejections) -> None:
    """Rows of other tables whose account is not among the accounts are counted and reported."""
    accounts = tables.get("accounts")
    if accounts is None:
        return
    known = pd.Index(accounts.frame["account_id"])
    for name, data in tables.items():
        if name == "accounts" or "account_id" not in data.frame:
            continue
        frame = data.frame
        has_account = frame["account_id"].notna()
        orphan = has_account & ~frame["account_id"].isin(known)
        if orphan.any():
            reason = "account_id not found in the accounts table"
            rejections.add(
                name, frame.loc[orphan, "_file"], frame.loc[orphan, "_line"], "account_id",
                frame.loc[orphan, "account_id"], reason,
            )
            data.stats.reject_rows(int(orphan.sum()), reason)
            data.frame = frame[~orphan].reset_index(drop=True)

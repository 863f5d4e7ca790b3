"""Load and validate: files -> canonical tables, with every row either used or rejected.

This is the one home of input accounting. Per table it records rows read, used and rejected
(``rows_read == rows_used + rows_rejected`` always holds here; ``loading.asof`` later moves
rows dated after as-of to ``rows_after_as_of``), and every rejected row or cell goes to
``rejected.csv`` with its file, line, column, value and reason. Events are not loaded here: only
their header is mapped, and ``segkit.features.events.duckdb`` reads them inside DuckDB.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from segkit.config import Config
from segkit.errors import InputDataError, UsageError
from segkit.loading.accounting import check_max_rejected
from segkit.loading.duplicates import dedupe_keys, reject_duplicate_subscriptions
from segkit.loading.join import (join_by_email_domain, link_to_accounts, normalise_domain, report_unused_flags,
                                 users_from_subscriptions)
from segkit.loading.parse import parse_column
from segkit.loading.detect import Detection, PlacedShapes, config_presets, detect, unmapped_note
from segkit.loading.presets.base import Preset
from segkit.loading.presets.registry import builtin_presets
from segkit.loading.formats import STDIN, FileFormat, detect_format, label, sha256_later, stdin_to_file
from segkit.loading.jsonl import read_jsonl_records
from segkit.loading.readers import read_csv_table, read_header, read_table
from segkit.loading.model import (
    CELL_REASON_SUFFIX,
    EventFile,
    EventInput,
    Inputs,
    InputStats,
    LoadOptions,
    Rejections,
    TableData,
)
from segkit.loading.schema import TABLES
from segkit.loading.sources import expand_paths, hive_partitions
from segkit.loading.vendor_rows import apply_preset_options, excluded_rows, skip_header_rows

#: Columns a table can carry that segkit reports rather than uses (never silently ignored).
UNUSED_COLUMNS = {
    "subscriptions": {
        "churned": "churn is read from ended_at (the churn date)",
        "is_trial": "trials are read from trial_start/trial_end and status",
    },
}
#: Tables with free-form columns worth keeping (custom CRM fields, needs-survey answers).
PASSTHROUGH_TABLES = ("accounts", "surveys")
#: Values outside these ranges are refused per cell: (low, high, reason).
CELL_RANGES: dict[str, dict[str, tuple[float, float, str]]] = {
    "surveys": {"score": (0, 10, "NPS score outside 0..10")},
    "accounts": {"employees": (0, 10_000_000, "employee count outside 0..10,000,000")},
}


def assign_files(
    files: list[Path], explicit: dict[str, list[Path]], config: Config
) -> list[tuple[Path, str | None]]:
    """Pair every input file with its table when known (flags, config), else ``None`` to detect.

    A file named twice (on the command line and in the config, by different relative paths) is
    read once: it would otherwise duplicate every row.
    """
    pairs: list[tuple[Path, str | None]] = []
    seen: set[str] = set()

    def key(path: Path) -> str:
        return str(path) if str(path) == "-" else os.path.realpath(path)

    def add(path: Path, table: str | None) -> None:
        if key(path) not in seen:
            pairs.append((path, table))
            seen.add(key(path))

    for table, paths in explicit.items():
        for path in expand_paths(paths):
            add(path, table)
    for table, spec in config.inputs.items():
        if not explicit.get(table):
            for path in expand_paths(list(spec.files)):
                add(path, table)
    for path in expand_paths(files):
        add(path, None)
    return pairs


def load_inputs(
    files: list[Path],
    explicit: dict[str, list[Path]] | None = None,
    config: Config | None = None,
    options: LoadOptions | None = None,
    on_error: Callable[[str, InputDataError], None] | None = None,
) -> Inputs:
    """Read, map, parse and validate every input; events are only mapped (see module doc).

    ``on_error`` (``segkit validate``) receives each file that cannot be used at all, which is then
    left out, instead of the first such error ending the load.
    """
    config = config or Config()
    options = (options or LoadOptions()).checked()
    presets: list[Preset] = config_presets(config) + builtin_presets()
    if options.group_key:
        presets = [p.with_group_key(options.group_key) for p in presets]
    pairs = assign_files(files, explicit or {}, config)
    if not pairs:
        raise UsageError("no input files: name exports as arguments, with --accounts/--subscriptions/..., or in segkit.toml [inputs]")
    if sum(1 for path, _ in pairs if str(path) == STDIN) > 1:
        raise UsageError("standard input ('-') can be named once only")
    rejections = Rejections()
    per_table: dict[str, list[pd.DataFrame]] = {}
    stats: dict[str, InputStats] = {}
    event_files: list[EventFile] = []
    shapes = PlacedShapes()
    for path, table in pairs:
        try:
            _load_one(path, table, config, options, presets, stats, rejections, per_table, event_files, shapes)
        except InputDataError as exc:
            if on_error is None:
                raise
            name = label(path) if str(path) != STDIN else "<stdin>"
            for st in list(stats.values()):
                if name in st.files:
                    st.files.remove(name)
                if not st.files:
                    del stats[st.table]
            on_error(name, exc)
    tables: dict[str, TableData] = {}
    for table, frames in per_table.items():
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        tables[table] = TableData(table, frame, stats[table])
    join_by_email_domain(tables, rejections, options)
    dedupe_keys(tables, rejections, options.duplicates)
    reject_duplicate_subscriptions(tables, rejections)
    links = None  # before link_to_accounts: an event of an unknown account's subscription is reported as that
    if "events" in stats and any("subscription_id" in f.mapping for f in event_files):
        links = subscription_accounts(tables.get("subscriptions"), stats["events"])
    link_to_accounts(tables, rejections)
    users_from_subscriptions(tables)
    report_unused_flags(tables, events_by_user=any("user_id" in f.mapping or "call_type" in f.mapping for f in event_files))
    rows_read = {file: n for data in tables.values() for file, n in data.stats.file_rows.items()}
    check_max_rejected(rejections.frame(), rows_read, options.max_rejected)
    for data in tables.values():
        data.row_files = data.frame["_file"].astype("category").reset_index(drop=True)
        data.frame = data.frame.drop(columns=["_file", "_line"]).reset_index(drop=True)
    events = EventInput(event_files, stats["events"], options.max_rejected, links) if event_files else None
    return Inputs(tables=tables, events=events, rejections=rejections)


def _load_one(
    path: Path,
    table: str | None,
    config: Config,
    options: LoadOptions,
    presets: list[Preset],
    stats: dict[str, InputStats],
    rejections: Rejections,
    per_table: dict[str, list[pd.DataFrame]],
    event_files: list[EventFile],
    shapes: PlacedShapes | None = None,
) -> None:
    """Detect, read and parse one file into ``per_table`` (events: only mapped)."""
    path = stdin_to_file() if str(path) == STDIN else Path(os.path.normpath(path))
    fmt = detect_format(path)
    partitions = hive_partitions(path)
    header = read_header(path, fmt, encoding=options.encoding, delimiter=options.delimiter)
    header = header + [k for k in partitions if k not in header]
    candidates = presets
    spec = config.inputs.get(table) if table else None
    if spec is not None and spec.preset and not spec.columns:
        candidates = [p for p in presets if p.name == spec.preset]
        if not candidates:
            from segkit.errors import ConfigError

            names = ", ".join(sorted({p.name for p in presets if p.table == table}))
            raise ConfigError(f"[inputs.{table}] preset {spec.preset!r} is unknown; {table} presets: {names}")
    reader = column_reader(path, fmt, options)
    detection = detect(header, candidates, file=label(path), table=table, read_column=reader,
                       known_ids=shapes.known if shapes is not None else None)
    if shapes is not None:
        shapes.check(detection, header, file=label(path), named=table is not None)
        shapes.remember(detection, reader)
    table = detection.preset.table
    st = stats.setdefault(table, InputStats(table=table, preset=detection.preset.name))
    if detection.preset.name not in st.preset.split(","):
        st.preset += f",{detection.preset.name}"
    st.files.append(label(path))
    st.file_presets[label(path)] = detection.preset.name
    for canonical, source in detection.mapping.items():
        st.columns.setdefault(canonical, source)
    st.sha256.append(sha256_later(path))  # hashed beside the run; waited for when reported (InputStats.hashes)
    for canonical, why in UNUSED_COLUMNS.get(table, {}).items():
        if canonical in detection.mapping:
            st.notes.append(f"{label(path)}: {detection.mapping[canonical]} ({canonical}) is read but not used: {why}")
    st.notes += unmapped_note(detection, header, label(path), keeps_others=table in PASSTHROUGH_TABLES)
    if table == "events":
        event_files.append(EventFile(path, fmt, detection.mapping, detection.preset.options))
        return
    frame = _load_file(path, fmt, detection, header, options, st, rejections)
    per_table.setdefault(table, []).append(frame)


def subscription_accounts(subscriptions: TableData | None, stats: InputStats) -> pd.DataFrame:
    """subscription_id -> account_id for events keyed by subscription (an id of two accounts links neither)."""
    empty = pd.DataFrame({"subscription_id": pd.Series(dtype="string"), "account_id": pd.Series(dtype="string")})
    if subscriptions is None or "subscription_id" not in subscriptions.frame:
        stats.notes.append("events: rows keyed by subscription_id need a subscriptions table with subscription_id; "
                           "those without an account id are rejected")
        return empty
    pairs = subscriptions.frame[["subscription_id", "account_id"]].dropna().astype("string").drop_duplicates()
    shared = pairs["subscription_id"].duplicated(keep=False)
    if shared.any():
        stats.notes.append(f"events: {int(pairs.loc[shared, 'subscription_id'].nunique())} subscription ids belong to "
                           "several accounts in the subscriptions table; their events link to none")
    return pairs[~shared].reset_index(drop=True)


def column_reader(path: Path, fmt: FileFormat, options: LoadOptions) -> Callable[[str], list[str]]:
    """Reads one column's text cells from ``path`` when placement checks values (read lazily, once)."""
    cache: dict[str, pa.Table] = {}

    def read(name: str) -> list[str]:
        if "table" not in cache:
            if fmt.kind == "csv":
                cache["table"] = read_csv_table(path, fmt, encoding=options.encoding, delimiter=options.delimiter).table
            else:
                cache["table"] = read_jsonl_records(path, fmt)[0] if fmt.kind == "jsonl" else read_table(path, fmt)
        table = cache["table"]
        if name not in table.column_names:
            return []
        return [str(v) for v in table.column(name).to_pylist() if v is not None]

    return read


def _line_numbers(fmt: FileFormat, n: int) -> pd.Series:
    """Line of each record: CSV counts the header as line 1; JSON Lines and Parquet start at 1."""
    offset = 2 if fmt.kind == "csv" else 1
    return pd.Series(range(offset, n + offset), dtype="Int64")


def _read_raw(path: Path, fmt: FileFormat, options: LoadOptions, stats: InputStats) -> tuple[pd.DataFrame, pd.Series, list]:
    """The file as text cells, each record's line, and the ragged CSV rows set aside."""
    if fmt.kind == "jsonl":
        table, good_lines, bad = read_jsonl_records(path, fmt)
        raw = table.to_pandas()
        lines = pd.Series(good_lines, dtype="Int64") if good_lines is not None else _line_numbers(fmt, len(raw))
        return raw, lines, bad
    if fmt.kind != "csv":
        raw = read_table(path, fmt).to_pandas()
        return raw, _line_numbers(fmt, len(raw)), []
    read = read_csv_table(path, fmt, encoding=options.encoding, delimiter=options.delimiter)
    if read.dialect.note:
        stats.notes.append(f"{label(path)}: {read.dialect.note}")
    raw = read.table.to_pandas()
    lines = pd.Series(read.lines, dtype="Int64") if read.lines is not None else _line_numbers(fmt, len(raw))
    return raw, lines, read.bad_rows


@dataclass
class _FileLoad:
    """One file being loaded: what every step of ``_load_file`` reads and records into."""

    table: str
    file: str
    raw: pd.DataFrame
    lines: pd.Series
    detection: Detection
    options: LoadOptions
    stats: InputStats
    rejections: Rejections


def _load_file(
    path: Path,
    fmt: FileFormat,
    detection: Detection,
    header: list[str],
    options: LoadOptions,
    stats: InputStats,
    rejections: Rejections,
) -> pd.DataFrame:
    """One file's used rows in canonical columns; every rejected row and cell recorded with its reason."""
    raw, lines, ragged = _read_raw(path, fmt, options, stats)
    raw, lines = skip_header_rows(raw, lines, detection.preset, detection.mapping, stats, label(path))
    for key, value in hive_partitions(path).items():
        if key not in raw.columns:
            raw[key] = value
    load = _FileLoad(detection.preset.table, label(path), raw, lines, detection, options, stats, rejections)
    n = len(raw) + len(ragged)
    stats.rows_read += n
    stats.rows_used += n
    stats.file_rows[load.file] = stats.file_rows.get(load.file, 0) + n
    if n == 0:
        raise InputDataError("header only, no data rows", file=load.file)
    _reject_ragged(load, ragged)
    out, row_bad = _parse_mapped(load)
    apply_preset_options(load.table, detection.preset, out, options, stats, load.file)
    row_bad = excluded_rows(raw, detection.preset, _flag_missing_required(load, out, row_bad))
    _table_rules(load.table, out, row_bad)
    _reject_out_of_range(load, out)
    if load.table in PASSTHROUGH_TABLES:
        used = set(detection.mapping.values())
        for name in raw.columns:
            if name not in used and name not in out.columns and not name.startswith("_"):
                out[name] = raw[name].astype("string").str.strip().replace("", pd.NA)
    bad_rows = _reject_bad_rows(load, row_bad)
    _check_rejected_share(load, row_bad, bad_rows, ragged, n)
    # one category, not the name repeated per row (0.65 s for 4M rows); files are concatenated and
    # categorised again in load_inputs
    out["_file"] = pd.Categorical.from_codes(np.zeros(len(out), dtype=np.int8), categories=[load.file])
    out["_line"] = lines.to_numpy()
    used = out[~bad_rows].reset_index(drop=True)
    stamps = [used[c] for c in used.columns if isinstance(used[c].dtype, pd.DatetimeTZDtype)]
    values = pd.concat(stamps).dropna() if stamps else pd.Series(dtype="datetime64[us, UTC]")
    if len(values):
        stats.file_dates[load.file] = (values.min(), values.max())
    return used


def _ragged_reason(got: int, want: int) -> str:
    """A CSV row with the wrong number of fields, or (0, 0) a JSON Lines line that is not an object."""
    return "not a valid JSON object" if want == 0 else f"row has {got} fields, the header has {want}"


def _reject_ragged(load: _FileLoad, ragged: list) -> None:
    """Rows with more or fewer fields than the header: rejected whole, with their text."""
    if not ragged:
        return
    reasons = [_ragged_reason(got, want) for _, got, want, _ in ragged]
    load.rejections.add(
        load.table, load.file, pd.Series([r[0] for r in ragged], dtype="Int64"), "(row)",
        pd.Series([r[3] for r in ragged]), pd.Series(reasons),
    )
    for reason, count in Counter(reasons).items():
        load.stats.reject_rows(count, reason)


def _parse_mapped(load: _FileLoad) -> tuple[pd.DataFrame, pd.Series]:
    """Parse every mapped column; a bad required cell marks its row, a bad optional one is nulled."""
    schema = TABLES[load.table]
    raw, options = load.raw, load.options
    out = pd.DataFrame(index=raw.index)
    row_bad = pd.Series(pd.NA, index=raw.index, dtype="string")
    required_names = {name for alts in schema.required for name in alts}
    for canonical, source in load.detection.mapping.items():
        parsed = parse_column(
            raw[source], schema.column(canonical).kind, timezone=options.timezone, decimal=options.decimal,
            date_format=options.date_format or load.detection.preset.options.date_format, ranges=options.ranges,
        )  # dates after as-of are not bad cells: loading.asof excludes or censors them once as-of is known
        out[canonical] = parsed.values
        if parsed.note:
            load.stats.notes.append(f"{load.file}: {source}: {parsed.note}")
        bad = parsed.bad
        if not bad.any():
            continue
        if canonical in required_names:
            row_bad = row_bad.mask(bad & row_bad.isna(), f"{source}: " + parsed.reasons)
        else:
            load.stats.cells_rejected += int(bad.sum())
            load.rejections.add(
                load.table, load.file, load.lines[bad.to_numpy()], source, raw.loc[bad, source],
                parsed.reasons[bad] + CELL_REASON_SUFFIX,
            )
    return out, row_bad


def _flag_missing_required(load: _FileLoad, out: pd.DataFrame, row_bad: pd.Series) -> pd.Series:
    """Mark rows where every alternative of a required column is empty."""
    for alternatives in TABLES[load.table].required:
        present = [a for a in alternatives if a in out.columns]
        if not present:
            continue
        missing = out[present].isna().all(axis=1)
        names = " or ".join(load.detection.mapping.get(a, a) for a in present)
        row_bad = row_bad.mask(missing & row_bad.isna(), f"{names}: missing required value")
    return row_bad


def _reject_out_of_range(load: _FileLoad, out: pd.DataFrame) -> None:
    """``CELL_RANGES``: an impossible value (NPS 11) is nulled and listed; the row is kept."""
    for canonical, (low, high, what) in CELL_RANGES.get(load.table, {}).items():
        if canonical not in out:
            continue
        outside = ((out[canonical] < low) | (out[canonical] > high)).fillna(False).astype(bool)
        if outside.any():
            source = load.detection.mapping[canonical]
            load.stats.cells_rejected += int(outside.sum())
            load.rejections.add(load.table, load.file, load.lines[outside], source, load.raw.loc[outside, source],
                                f"{what}; cell set to null, row kept")
            out[canonical] = out[canonical].mask(outside)


def _reject_bad_rows(load: _FileLoad, row_bad: pd.Series) -> pd.Series:
    """List the marked rows under their first bad column; returns the mask of rejected rows."""
    bad_rows = row_bad.notna()
    if bad_rows.any():
        first_col = row_bad[bad_rows].str.split(":", n=1).str[0]
        values = [load.raw.at[i, c] if c in load.raw.columns else pd.NA for i, c in zip(row_bad[bad_rows].index, first_col)]
        reasons = row_bad[bad_rows].str.split(":", n=1).str[1].str.strip()
        load.rejections.add(load.table, load.file, load.lines[bad_rows.to_numpy()], first_col, pd.Series(values), reasons)
        for reason, count in reasons.value_counts().items():
            load.stats.reject_rows(int(count), str(reason))
    return bad_rows


def _check_rejected_share(load: _FileLoad, row_bad: pd.Series, bad_rows: pd.Series, ragged: list, n: int) -> None:
    """``--max-rejected`` per file (rows dated after as-of are no rejections: loading.asof excludes them later)."""
    rejected = int(bad_rows.sum()) + len(ragged)
    share = rejected / n
    if share <= load.options.max_rejected:
        return
    most = Counter(r for r in row_bad[bad_rows].tolist()) + Counter(
        f"(row): {_ragged_reason(got, want)}" for _, got, want, _ in ragged
    )
    top = most.most_common(1)[0][0]
    raise InputDataError(
        f"{rejected} of {n} rows rejected ({share:.1%}, more than --max-rejected {load.options.max_rejected:g}); "
        f"most common: {top}",
        file=load.file,
    )


def _table_rules(table: str, out: pd.DataFrame, row_bad: pd.Series) -> None:
    """Rules that involve more than one cell or a value range, per table."""
    def flag(mask: pd.Series, reason: str) -> None:
        row_bad[:] = row_bad.mask(mask.fillna(False) & row_bad.isna(), reason)

    if table == "subscriptions":
        _subscription_synonyms(out)
        if "mrr" in out:
            flag(out["mrr"] < 0, "mrr: negative MRR")
        if "amount" in out:
            flag(out["amount"] < 0, "amount: negative amount")
        if "quantity" in out:
            flag(out["quantity"] < 0, "quantity: negative quantity")
        if "ended_at" in out and "started_at" in out:
            flag(out["ended_at"] < out["started_at"], "ended_at: ends before it starts")
    if table == "accounts" and "domain" in out:
        out["domain"] = normalise_domain(out["domain"])
    if table == "fx_rates" and "rate" in out:
        flag(out["rate"] <= 0, "rate: not a positive exchange rate")


#: Billing-frequency words exports use -> segkit's interval names.
INTERVAL_WORDS = {"monthly": "month", "annual": "year", "annually": "year", "yearly": "year",
                  "quarterly": "quarter", "weekly": "week", "daily": "day",
                  "months": "month", "years": "year", "weeks": "week", "days": "day"}  # Recurly: interval_unit


def _subscription_synonyms(out: pd.DataFrame) -> None:
    """``arr`` stands in for an absent mrr (arr / 12); ``monthly``/``annual`` become month/year."""
    if "arr" in out:
        mrr = out["arr"] / 12.0
        out["mrr"] = mrr if "mrr" not in out else out["mrr"].fillna(mrr)
    if "interval" in out:
        words = out["interval"].astype("string").str.strip().str.lower()
        out["interval"] = words.map(lambda v: INTERVAL_WORDS.get(v, v) if isinstance(v, str) else v).astype("string")

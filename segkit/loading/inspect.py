"""``segkit validate`` and ``segkit init``: what each file is, what would be used, and a config.

``validate_inputs`` loads everything the way ``segkit segment`` would, but a file that cannot be
used at all is reported and left out instead of ending the run, and per file it states the preset
and table, rows read / used / rejected with the top reasons, the date range, and which metrics
lack a column. ``init_config`` writes the detected mapping as a commented ``segkit.toml``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from segkit.config import Config
from segkit.errors import InputDataError
from segkit.loading.accounting import rejected_share
from segkit.loading.loader import assign_files, load_inputs
from segkit.loading.model import CELL_REASON_SUFFIX, REASON_NOT_TRACK, EventInput, Inputs, InputStats, LoadOptions, Rejections
from segkit.loading.detect import Detection, config_presets, detect
from segkit.loading.presets.registry import builtin_presets, get_preset
from segkit.loading.formats import STDIN, detect_format, label, stdin_to_file
from segkit.loading.readers import read_header
from segkit.loading.schema import TABLES

#: Metric -> the (table, column alternatives) it needs; shown per file and overall.
METRIC_NEEDS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "customers, churn_rate, mrr, arpa, clv": [("subscriptions", ("account_id", "customer_email"))],
    "conversion_rate": [("accounts", ("created_at",)), ("subscriptions", ("started_at",))],
    "nps": [("surveys", ("score",))],
    "firmographic segments": [("accounts", ("employees", "annual_revenue", "industry"))],
    "geographic segments": [("accounts", ("country",))],
    "usage features": [("events", ("event",))],
    "activation_rate, engagement_score": [("events", ("event",))],
    "clv by bgnbd": [("invoices", ("amount_paid",))],
    "win_rate": [("deals", ("is_won", "stage"))],
}
#: A flat customer table stands in for subscriptions.
FLAT_NEEDS = ("churned",)



def _missing_for_file(table: str, columns: set[str]) -> dict[str, str]:
    out = {}
    for metric, needs in METRIC_NEEDS.items():
        for need_table, alternatives in needs:
            if need_table == table and not any(a in columns for a in alternatives):
                out[metric] = " or ".join(alternatives)
    return out


class EventFileCount(Protocol):
    """One event file's summary as an engine gives it (``rows_read``, ``date_range``)."""

    rows_read: int
    date_range: tuple[str, str] | None


class EventCounter(Protocol):
    """What validation asks of an event engine (the features stage's ``EventEngine`` satisfies it).

    Loading imports nothing from features: the job opens the engine picked by ``--engine`` and
    passes a factory in, so ``segkit validate`` counts events with the same engine a run uses.
    """

    def file_summary(self) -> Mapping[str, EventFileCount]: ...

    def max_timestamp(self) -> pd.Timestamp | None: ...

    def features(self, as_of: dt.date, known_accounts: pd.Index | None, rejections: Rejections) -> object: ...

    def close(self) -> None: ...


#: Opens an engine over the event files (and the users table, for the user -> account map).
OpenEngine = Callable[[EventInput, "pd.DataFrame | None"], EventCounter]


def _described_as(preset: str) -> str:
    """How validate names a file's preset ("a HubSpot companies export"), else ``preset NAME``."""
    known = get_preset(preset)
    return known.title if known is not None and known.title else f"preset {preset}"


def _row_level(rejected: pd.DataFrame) -> pd.DataFrame:
    return rejected[~rejected["reason"].str.endswith(CELL_REASON_SUFFIX).fillna(False)]


def _count_events(inputs: Inputs, options: LoadOptions, open_engine: OpenEngine | None) -> Mapping[str, EventFileCount]:
    """Run the event accounting through the engine a run would use; per file, what it read."""
    if inputs.events is None:
        return {}
    if open_engine is None:
        inputs.events.stats.notes.append("events: not counted (no event engine given to validate)")
        return {}
    engine = open_engine(inputs.events, inputs.frame("users"))
    try:
        summary = engine.file_summary()
        latest = engine.max_timestamp()
        accounts = inputs.frame("accounts")
        known = pd.Index(accounts["account_id"]) if accounts is not None else None
        if latest is not None:
            as_of = options.latest - pd.Timedelta(days=1) if options.latest is not None else latest
            engine.features(as_of.date(), known, inputs.rejections)
        else:
            st = inputs.events.stats
            st.rows_read = st.rows_used = sum(v.rows_read for v in summary.values())
            st.reject_rows(st.rows_read, "no valid timestamp in any event")
        return summary
    finally:
        engine.close()


def _file_entry(table: str, file: str, st: InputStats, row_level: pd.DataFrame, cell_level: pd.DataFrame,
                events: Mapping[str, EventFileCount], max_rejected: float) -> dict[str, Any]:
    """One file's line in the validate report."""
    mine = row_level[row_level["file"] == file]
    if table == "events":
        count = events.get(file)
        read = count.rows_read if count else 0
        dates = list(count.date_range) if count and count.date_range else None
    else:
        read = st.file_rows.get(file, 0)
        span = st.file_dates.get(file)
        dates = [span[0].isoformat(), span[1].isoformat()] if span else None
    reasons = Counter(mine["reason"].tolist())
    limit = rejected_share(file, read, mine["reason"].fillna("").astype(str).tolist())
    columns = dict(st.columns)
    preset = st.file_presets.get(file, st.preset)
    return {
        "file": file,
        "table": table,
        "preset": preset,
        "described_as": _described_as(preset),
        "rows_read": read,
        "rows_used": read - len(mine),
        "rows_rejected": len(mine),
        "cells_rejected": int((cell_level["file"] == file).sum()),
        "top_rejection_reasons": [{"reason": r, "rows": n} for r, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:5]],
        "over_max_rejected": limit.over(max_rejected),  # the rule segment applies (loading/accounting.py)
        "date_range": dates,
        "columns": dict(sorted(columns.items())),
        "missing_for_metrics": _missing_for_file(table, set(columns)),
        "notes": [n for n in st.notes if n.startswith(f"{file}:") or n.startswith(f"{table}:")],
    }


def _missing_overall(stats: Mapping[str, InputStats]) -> dict[str, str]:
    """Metric -> the columns no input provides for it."""
    present = {name: set(st.columns) for name, st in stats.items()}
    flat = "churned" in present.get("accounts", set())
    missing: dict[str, str] = {}
    for metric, needs in METRIC_NEEDS.items():
        if flat and metric.startswith("customers"):
            continue
        lacking = [
            f"{table}.{' or '.join(alternatives)}"
            for table, alternatives in needs
            if not any(a in present.get(table, set()) for a in alternatives)
        ]
        if lacking:
            missing[metric] = ", ".join(lacking)
    return missing


def validate_inputs(
    files: list[Path],
    explicit: dict[str, list[Path]],
    config: Config,
    options: LoadOptions,
    *,
    open_engine: OpenEngine | None = None,
) -> dict[str, Any]:
    """Per-file and per-table accounting, without computing any metric (see module doc)."""
    errors: dict[str, str] = {}

    def on_error(name: str, exc: InputDataError) -> None:
        errors[name] = str(exc)

    inputs = load_inputs(files, explicit, config, replace(options, max_rejected=1.0), on_error=on_error)
    stats = inputs.stats()
    cell_level = inputs.rejections.frame()
    cell_level = cell_level[cell_level["reason"].str.endswith(CELL_REASON_SUFFIX).fillna(False)]
    event_counts = _count_events(inputs, options, open_engine)
    row_level = _row_level(inputs.rejections.frame())
    per_file: list[dict[str, Any]] = [
        _file_entry(table, file, st, row_level, cell_level, event_counts, options.max_rejected)
        for table, st in sorted(stats.items())
        for file in st.files
    ]
    per_file.extend({"file": file, "error": message} for file, message in errors.items())
    report_inputs = {}
    for name, st in sorted(stats.items()):
        item = st.as_report()
        item["columns"] = dict(sorted(st.columns.items()))
        report_inputs[name] = item
    ok = not errors and not any(f.get("over_max_rejected") for f in per_file)
    return {"ok": ok, "files": per_file, "inputs": report_inputs, "missing_for_metrics": _missing_overall(stats)}


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


#: The head and the tail of every ``segkit init`` config.
INIT_HEADER = [
    "# segkit.toml written by `segkit init` from the exports named below. Review it, then run:",
    "#   segkit segment          (reads ./segkit.toml when present; or pass --config FILE)",
    "# Each [inputs.TABLE.columns] maps segkit's column (left) to the export's column (right).",
    "# Commented-out columns are ones segkit knows but did not find: fill them in to use them.",
    "# Reference: docs/inputs.md (presets, messy files, policies) and docs/configuration.md.",
    "",
]
INIT_FOOTER = [
    "[load]",
    "# timezone = \"UTC\"        # zone of timestamps without one (HubSpot UI exports are local time)",
    "# max_rejected = 0.05     # share of rejected rows a file may have before exit 3",
    "# decimal = \"auto\"        # '.', ',' or auto",
    "# ranges = \"reject\"       # number ranges such as 50-100: reject, midpoint, low, high",
    "# duplicates = \"last\"     # duplicate account ids: last, first, error",
    "",
    "[metrics]",
    "# gross_margin = 0.8      # CLV is revenue CLV until this is set",
    "# past_due = \"include\"    # count past_due subscriptions as paying (or exclude)",
    "",
]
#: One detected file: its path, the preset's detection, its header.
Detected = tuple[Path, Detection, list[str]]


def init_config(
    files: list[Path],
    explicit: dict[str, list[Path]],
    config: Config,
    options: LoadOptions,
    *,
    output: Path,
) -> str:
    """The text of a ``segkit.toml`` mapping every file's detected preset, with comments."""
    by_table = _detect_files(files, explicit, config, options)
    base = output.resolve().parent
    lines = list(INIT_HEADER)
    for table in TABLES:
        entries = by_table.get(table)
        if entries:
            lines += _table_section(table, entries, base)
    return "\n".join(lines + INIT_FOOTER)


def _detect_files(files: list[Path], explicit: dict[str, list[Path]], config: Config,
                  options: LoadOptions) -> dict[str, list[Detected]]:
    """Each file's detected preset, by table (standard input cannot be named in a config)."""
    presets = config_presets(config) + builtin_presets()
    if options.group_key:
        presets = [p.with_group_key(options.group_key) for p in presets]
    by_table: dict[str, list[Detected]] = {}
    for path, table in assign_files(files, explicit, config):
        real = stdin_to_file() if str(path) == STDIN else path
        if str(path) == STDIN:
            raise InputDataError("segkit init needs files it can name in the config, not standard input", file="<stdin>")
        fmt = detect_format(real)
        header = read_header(real, fmt, encoding=options.encoding, delimiter=options.delimiter)
        detection = detect(header, presets, file=label(real), table=table)
        by_table.setdefault(detection.preset.table, []).append((real, detection, header))
    return by_table


def _table_section(table: str, entries: list[Detected], base: Path) -> list[str]:
    """``[inputs.TABLE]`` and its ``columns``: the first file's mapping, the others' presets noted."""
    _, first, header = entries[0]
    rel = [os.path.relpath(p.resolve(), base) for p, _, _ in entries]
    lines = [f"[inputs.{table}]"]
    lines += [f"# {path.name}: detected as {_described_as(detection.preset.name)}" for path, detection, _ in entries]
    lines.append(f"files = [{', '.join(_toml_string(r) for r in rel)}]")
    if not first.preset.name.startswith(("generic-", "config-")):
        lines.append(f"preset = {_toml_string(first.preset.name)}   # lends its options (units, group keys)")
    if len({d.preset.name for _, d, _ in entries}) > 1:
        lines.append("# NOTE: these files match different presets; the mapping below is the first file's.")
    lines += ["", f"[inputs.{table}.columns]"]
    lines += _column_lines(table, first)
    unmapped = [h for h in header if h not in set(first.mapping.values())]
    if unmapped:
        keep = "kept under their own names (usable with --by attribute)" if table in ("accounts", "surveys") else "not used"
        shown = ", ".join(unmapped[:12]) + (", ..." if len(unmapped) > 12 else "")
        lines.append(f"# Other columns, {keep}: {shown}")
    lines.append("")
    return lines


def _column_lines(table: str, first: Detection) -> list[str]:
    """One line per canonical column: mapped, or commented out as not found, with what is required."""
    schema = TABLES[table]
    required = {name for alts in schema.required for name in alts}
    width = max(len(c.name) for c in schema.columns)
    lines = []
    for column in schema.columns:
        source = first.mapping.get(column.name)
        note = "required" if column.name in required and len(next(a for a in schema.required if column.name in a)) == 1 else (
            "required (or an alternative)" if column.name in required else ""
        )
        doc = f"   # {note}" if note else ""
        if source is not None:
            lines.append(f"{column.name.ljust(width)} = {_toml_string(source)}{doc}")
        else:
            lines.append(f"# {column.name.ljust(width)} = \"\"   # not found{'; ' + note if note else ''}")
    return lines

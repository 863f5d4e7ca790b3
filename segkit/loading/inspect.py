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
from rapidfuzz import fuzz, process

from segkit.config import Config
from segkit.errors import InputDataError
from segkit.loading.accounting import rejected_share
from segkit.loading.asof import cut_at_as_of, latest_activity
from segkit.loading.loader import assign_files, column_reader, load_inputs
from segkit.loading.model import CELL_REASON_SUFFIX, REASON_NOT_TRACK, EventInput, Inputs, InputStats, LoadOptions, Rejections
from segkit.loading.detect import Detection, PlacedShapes, config_presets, detect
from segkit.loading.placement import normalise_name, place, synonyms_of
from segkit.loading.presets.base import Preset
from segkit.loading.presets.registry import builtin_presets, get_preset
from segkit.loading.formats import STDIN, detect_format, label
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
    """As-of as a run finds it, the rows after it excluded, then the event accounting through the
    engine a run would use; per event file, what it read."""
    if inputs.events is None or open_engine is None:
        if inputs.events is not None:
            inputs.events.stats.notes.append("events: not counted (no event engine given to validate)")
        _cut(inputs, options, None)
        return {}
    engine = open_engine(inputs.events, inputs.frame("users"))
    try:
        summary = engine.file_summary()
        latest = engine.max_timestamp()
        as_of = _cut(inputs, options, latest)
        accounts = inputs.frame("accounts")
        known = pd.Index(accounts["account_id"]) if accounts is not None else None
        if latest is not None and as_of is not None:
            engine.features(as_of.date(), known, inputs.rejections)
        else:
            st = inputs.events.stats
            st.rows_read = st.rows_used = sum(v.rows_read for v in summary.values())
            st.reject_rows(st.rows_read, "no valid timestamp in any event")
        return summary
    finally:
        engine.close()


def _cut(inputs: Inputs, options: LoadOptions, event_max: pd.Timestamp | None) -> pd.Timestamp | None:
    """The run's as-of (``--as-of``, else the latest activity) with the rows after it excluded (loading.asof)."""
    if options.latest is not None:
        as_of: pd.Timestamp | None = options.latest - pd.Timedelta(days=1)
    else:
        found = latest_activity(inputs, event_max)
        as_of = found.date.normalize() if found is not None else None
    if as_of is not None and as_of.year <= 2200:
        cut_at_as_of(inputs, as_of)
    return as_of


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
    # Engines count event rows after as-of per run, not per file: with several event files the
    # table's line has them (per file: null).
    after = st.file_after_as_of.get(file, 0) if table != "events" or len(st.files) == 1 else None
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
        "rows_used": read - len(mine) - (after or 0),
        "rows_rejected": len(mine),
        "rows_after_as_of": after,
        "cells_rejected": int((cell_level["file"] == file).sum()),
        "top_rejection_reasons": [{"reason": r, "rows": n} for r, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:5]],
        "over_max_rejected": limit.over(max_rejected),  # the rule segment applies (loading/accounting.py)
        "date_range": dates,
        "columns": dict(sorted(columns.items())),
        "missing_for_metrics": _missing_for_file(table, set(columns)),
        "notes": [n for n in st.notes if n.startswith(f"{file}:") or n.startswith(f"{table}:")],
        **({"header_rows_skipped": st.file_header_rows[file]} if st.file_header_rows.get(file) else {}),
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
#: One detected file: its path, the preset's detection, its header, and a note (a tie) or "".
Detected = tuple[Path, Detection, list[str], str]
#: How far rapidfuzz looks for candidates of an unmapped required column (0..100).
CANDIDATE_CUTOFF = 50.0


def init_config(
    files: list[Path],
    explicit: dict[str, list[Path]],
    config: Config,
    options: LoadOptions,
    *,
    output: Path,
) -> str:
    """The text of a ``segkit.toml`` placing every file, with comments; it never fails on a column.

    A file that fits no table is listed as an ``# unplaced:`` comment with the reason; a tie puts
    the file under the first candidate and names the other in a comment.
    """
    by_table, unplaced = _detect_files(files, explicit, config, options)
    base = output.resolve().parent
    lines = list(INIT_HEADER)
    for table in TABLES:
        entries = by_table.get(table)
        if entries:
            lines += _table_section(table, entries, base)
    if unplaced:
        lines.append("# Files no table fits (name one with --TABLE FILE, or add it under [inputs.TABLE] files):")
        lines += [f"# unplaced: {os.path.relpath(p.resolve(), base)}: {why}" for p, why in unplaced]
        lines.append("")
    return "\n".join(lines + INIT_FOOTER)


def _detect_files(files: list[Path], explicit: dict[str, list[Path]], config: Config,
                  options: LoadOptions) -> tuple[dict[str, list[Detected]], list[tuple[Path, str]]]:
    """Each file's detection by table, and the files no table fits with the reason."""
    presets = config_presets(config) + builtin_presets()
    if options.group_key:
        presets = [p.with_group_key(options.group_key) for p in presets]
    by_table: dict[str, list[Detected]] = {}
    unplaced: list[tuple[Path, str]] = []
    shapes = PlacedShapes()
    for path, table in assign_files(files, explicit, config):
        if str(path) == STDIN:
            raise InputDataError("segkit init needs files it can name in the config, not standard input", file="<stdin>")
        fmt = detect_format(path)
        header = read_header(path, fmt, encoding=options.encoding, delimiter=options.delimiter)
        reader = column_reader(path, fmt, options)
        note = ""
        try:
            detection = detect(header, presets, file=label(path), table=table, read_column=reader, known_ids=shapes.known)
            shapes.check(detection, header, file=label(path), named=table is not None)
            shapes.remember(detection, reader)
        except InputDataError as exc:
            placement = place(header, table, reader, shapes.known)
            if table is not None and placement.best is None:
                # Named with --TABLE: written under it, its unmapped required columns to fill in.
                partial = placement.ranked[0]
                preset = Preset(name=f"generic-{table}", table=table, columns={c: (v,) for c, v in partial.mapping.items()})
                note = f"# NOTE: {path.name} lacks {'; '.join(partial.missing)}: map it below, or segment stops at this file"
                by_table.setdefault(table, []).append((path, Detection(preset, partial.mapping, placement), header, note))
                continue
            if placement.best is None or not placement.tied:
                unplaced.append((path, str(exc).split(": ", 1)[-1]))
                continue
            best = placement.best
            preset = Preset(name=f"generic-{best.table}", table=best.table, columns={c: (v,) for c, v in best.mapping.items()})
            detection = Detection(preset, best.mapping, placement)
            others = list(placement.tied)
            names = ", ".join([best.table, *others[:-1]]) + f" and {others[-1]}"
            note = (f"# tie: {path.name} fits {names} equally well; "
                    f"placed under {best.table}: move it if it is {' or '.join(others)}")
        by_table.setdefault(detection.preset.table, []).append((path, detection, header, note))
    return by_table, unplaced


def _table_section(table: str, entries: list[Detected], base: Path) -> list[str]:
    """``[inputs.TABLE]`` and its ``columns``: the first file's mapping, the others' presets noted."""
    _, first, header, _ = entries[0]
    rel = [os.path.relpath(p.resolve(), base) for p, _, _, _ in entries]
    lines = [f"[inputs.{table}]"]
    for path, detection, _, note in entries:
        how = "placed by its columns" if detection.placement is not None else f"detected as {_described_as(detection.preset.name)}"
        lines.append(f"# {path.name}: {how}")
        if note:
            lines.append(note)
    lines.append(f"files = [{', '.join(_toml_string(r) for r in rel)}]")
    if not first.preset.name.startswith(("generic-", "config-")):
        lines.append(f"preset = {_toml_string(first.preset.name)}   # lends its options (units, group keys)")
    if len({d.preset.name for _, d, _, _ in entries}) > 1 or len({tuple(h) for _, _, h, _ in entries}) > 1:
        lines.append("# NOTE: these files have different headers; the mapping below is the first file's.")
    lines += ["", f"[inputs.{table}.columns]"]
    lines += _column_lines(table, first, header)
    unmapped = [h for h in header if h not in set(first.mapping.values())]
    if unmapped:
        keep = "kept under their own names (usable with --by attribute)" if table in ("accounts", "surveys") else "not used"
        shown = ", ".join(unmapped[:12]) + (", ..." if len(unmapped) > 12 else "")
        lines.append(f"# Other columns, {keep}: {shown}")
    lines.append("")
    return lines


def _how_found(detection: Detection, canonical: str) -> str:
    """exact, synonym or ``fuzzy 92`` for a placed file; the preset's name otherwise."""
    if detection.placement is None or not detection.placement.ranked:
        return f"preset {detection.preset.name}"
    for match in (detection.placement.best or detection.placement.ranked[0]).matches:
        if match.canonical == canonical:
            return match.describe()
    return "mapped"


def _candidates(table: str, canonical: str, header: list[str], taken: set[str]) -> str:
    """Up to three header names most like ``canonical`` or one of its synonyms (rapidfuzz WRatio)."""
    free = [h for h in header if h not in taken]
    best: dict[str, float] = {}
    for target in (canonical, *synonyms_of(table, canonical)):
        for name, score, _ in process.extract(target, free, scorer=fuzz.WRatio, processor=normalise_name,
                                              limit=3, score_cutoff=CANDIDATE_CUTOFF):
            best[name] = max(best.get(name, 0.0), score)
    ranked = sorted(best, key=lambda n: (-best[n], header.index(n)))[:3]
    return ", ".join(repr(h) for h in ranked) or "none in this file"


def _column_lines(table: str, first: Detection, header: list[str]) -> list[str]:
    """One line per canonical column: mapped (and how), or commented out; required ones with candidates."""
    schema = TABLES[table]
    required = {name for alts in schema.required for name in alts}
    width = max(len(c.name) for c in schema.columns)
    taken = set(first.mapping.values())
    lines = []
    for column in schema.columns:
        source = first.mapping.get(column.name)
        group = next((a for a in schema.required if column.name in a), ())
        note = "required" if len(group) == 1 else ("required (or an alternative)" if group else "")
        if source is None and any(a in first.mapping for a in group):
            note = ""  # an alternative is mapped
        if source is not None:
            lines.append(f"{column.name.ljust(width)} = {_toml_string(source)}   # {_how_found(first, column.name)}"
                         + (f"; {note}" if note else ""))
        elif note:
            lines.append(f"# unmapped: {column.name.ljust(width)} = \"\"   # {note}; candidates: "
                         f"{_candidates(table, column.name, header, taken)}")
        else:
            lines.append(f"# {column.name.ljust(width)} = \"\"   # not found")
    return lines

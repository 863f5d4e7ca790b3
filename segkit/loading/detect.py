"""Picking a preset from a header: the best match among the registered and the config's presets.

The ``generic`` presets accept segkit's own column names; a config's ``[inputs.TABLE.columns]``
becomes a preset of its own, preferred over the registered ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from segkit.config import Config
from segkit.errors import ConfigError, InputDataError
from segkit.loading.placement import ID_OWNERS, ColumnReader, KnownIds, Placement, match_columns, normalise_name, place
from segkit.loading.presets.base import Preset, PresetOptions
from segkit.loading.presets.registry import get_preset
from segkit.loading.schema import TABLES


def config_presets(config: Config) -> list[Preset]:
    """The config's explicit column mappings, as presets that win ties against built-ins."""
    presets = []
    for table, spec in config.inputs.items():
        if not spec.columns:
            continue
        columns: dict[str, tuple[str, ...]] = {c.name: (c.name,) for c in TABLES[table].columns}
        for canonical, source in spec.columns.items():
            if canonical not in columns:
                raise ConfigError(
                    f"[inputs.{table}.columns]: {canonical!r} is not a column of the {table} table; "
                    f"its columns are: {', '.join(TABLES[table].names)}"
                )
            columns[canonical] = (source,)
        # A named preset (its amount unit wins, as before) or ``mrr_unit`` sets the amount unit.
        base = get_preset(spec.preset or "")
        options = base.options if base else PresetOptions()
        if options.amount_unit is None and spec.options.get("mrr_unit") is not None:
            options = replace(options, amount_unit=str(spec.options["mrr_unit"]))
        presets.append(Preset(name=f"config-{table}", table=table, columns=columns, options=options, priority=10))
    return presets


@dataclass(frozen=True)
class Detection:
    preset: Preset
    mapping: dict[str, str]
    #: Set when the file was placed by its content (no vendor or config preset matched it).
    placement: Placement | None = None


#: The command-line flag that names a file's table, for messages ("--subscriptions FILE").
def table_flag(table: str) -> str:
    return f"--{table} FILE"


def _listed(items: list[str], word: str) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def _is_builtin_generic(preset: Preset) -> bool:
    return preset.name == f"generic-{preset.table}"


def place_by_content(
    header: list[str], *, file: str, table: str | None, read_column: ColumnReader | None = None,
    known_ids: KnownIds | None = None,
) -> Detection | None:
    """The content placement of ``header`` as a generic preset; None when no table fits.

    A tie between tables is exit 3 naming the candidates and the flags that settle it.
    """
    placement = place(header, table, read_column, known_ids)
    if placement.best is None:
        return None
    if placement.tied:
        names = [placement.best.table, *placement.tied]
        flags = _listed([table_flag(t) for t in names], "or")
        raise InputDataError(
            f"fits the {_listed(names, 'and')} tables equally well (score {placement.best.score:g}); "
            f"name the file with {flags}, or in segkit.toml [inputs.TABLE] files",
            file=file,
        )
    best = placement.best
    preset = Preset(name=f"generic-{best.table}", table=best.table, columns={c: (s,) for c, s in best.mapping.items()})
    return Detection(preset, best.mapping, placement)


def detect(
    header: list[str], presets: list[Preset], *, file: str, table: str | None = None,
    read_column: ColumnReader | None = None, known_ids: KnownIds | None = None,
) -> Detection:
    """The preset that maps the most columns with every required one present.

    When ``table`` is given (``--accounts FILE``) only that table's presets are tried. A file
    that matches none fails with the closest preset and the columns it lacked.
    """
    candidates = [p for p in presets if table is None or p.table == table]
    if not header or not any(h.strip() for h in header):
        raise InputDataError("no column names in the header", file=file)
    best: Detection | None = None
    best_key: tuple[int, int] | None = None
    closest: tuple[int, Preset, list[str]] | None = None
    for preset in candidates:
        mapping = preset.resolve(header)
        missing = preset.missing(mapping)
        if missing:
            score = len(mapping) - 10 * len(missing)
            if closest is None or score > closest[0]:
                closest = (score, preset, missing)
            continue
        key = (preset.priority, len(mapping))
        if best_key is None or key > best_key:
            best, best_key = Detection(preset, mapping), key
    if best is not None and not _is_builtin_generic(best.preset):
        return _with_content_columns(best, header)
    placed = place_by_content(header, file=file, table=table, read_column=read_column, known_ids=known_ids)
    if placed is not None:
        return placed
    raise _no_fit_error(header, file, table, best, closest, read_column)


def _with_content_columns(best: Detection, header: list[str]) -> Detection:
    """A vendor preset's mapping plus the canonical columns it lacks that placement by content finds.

    A preset names its vendor's columns; an export shaped like it may carry more (a ``Country`` or
    ``Signup Date`` beside Salesforce's ``Account ID``/``Account Name``/``Industry``), which would
    otherwise be kept under their export names only.
    """
    if best.preset.name.startswith("config-"):
        return best  # the config's mapping is the user's word
    used = set(best.mapping.values())
    schema = TABLES[best.preset.table]
    # Exact names and declared synonyms only, and no ids: the preset decides how rows reach their
    # account (a Zendesk "Organization" is a name, not the account id a fuzzy match would make it).
    # Nor a second alternative of a required group the preset already reads: it chose which one
    # (Chargebee's export MRR column is today's MRR, 0 once cancelled; its preset reads the price).
    chosen = {name for group in schema.required if any(c in best.mapping for c in group) for name in group}
    extra = {m.canonical: m.source for m in match_columns(header, best.preset.table)
             if m.canonical not in best.mapping and m.source not in used and m.how != "fuzzy"
             and m.canonical in schema.names and schema.column(m.canonical).kind != "id"
             and m.canonical not in chosen}
    return replace(best, mapping={**best.mapping, **extra}) if extra else best


def _no_fit_error(
    header: list[str], file: str, table: str | None, best: Detection | None,
    closest: tuple[int, Preset, list[str]] | None, read_column: ColumnReader | None,
) -> InputDataError:
    """No table fits: the closest vendor preset and what it lacks, else the closest table by content."""
    shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
    if closest is None or best is not None or _is_builtin_generic(closest[1]):
        ranked = place(header, table, read_column).ranked
        if not ranked:
            return InputDataError(f"no preset for table {table!r}", file=file)
        return InputDataError(
            f"no table fits: closest is {ranked[0].table}, which {ranked[0].gap} (header: {shown}); "
            f"name the file with {table_flag(ranked[0].table)} and map its columns in segkit.toml "
            f"[inputs.{ranked[0].table}.columns]",
            file=file,
        )
    _, preset, missing = closest
    what = f"as {table}" if table else "as any known export"
    return InputDataError(
        f"cannot read {what}: closest preset is {preset.name}, which lacks {', '.join(preset.expected(m) for m in missing)} "
        f"(header: {shown}); map the columns in segkit.toml [inputs.{preset.table}.columns]{_by_content(header, table, read_column)}",
        file=file,
    )


def _by_content(header: list[str], table: str | None, read_column: ColumnReader | None) -> str:
    ranked = place(header, table, read_column).ranked
    return f"; no table fits by content either (closest: {ranked[0].table}, which {ranked[0].gap})" if ranked else ""


class PlacedShapes:
    """Files placed by content in a keyed table (accounts, users): one shape per table.

    Files of different shapes are never merged into one table: a churn-events file with an
    account_id column is not more accounts. The first file placed in a table sets its shape;
    a later one with other columns fails, naming the flag that says it belongs there anyway.
    """

    def __init__(self) -> None:
        self.first: dict[str, tuple[str, frozenset[str]]] = {}
        #: ids per id column of the files placed in the table each identifies (placement.ID_OWNERS):
        #: a later file holding them refers to that table. Read only when a placement asks.
        self.known = _LazyIds()

    def remember(self, detection: Detection, read_column: ColumnReader) -> None:
        """Note where the ids of a file placed in their owning table are (subscriptions' subscription_id)."""
        for canonical, owner in ID_OWNERS.items():
            source = detection.mapping.get(canonical)
            if owner == detection.preset.table and source:
                self.known.pending.setdefault(canonical, []).append((read_column, source))


    def check(self, detection: Detection, header: list[str], *, file: str, named: bool) -> None:
        table = detection.preset.table
        if named or detection.placement is None or TABLES[table].key is None:
            return
        shape = frozenset(normalise_name(h) for h in header)
        other, seen = self.first.setdefault(table, (file, shape))
        if seen != shape:
            raise InputDataError(
                f"no table fits: its columns fit {table}, but differ from {other}, already read as {table} "
                f"(files of different shapes are never merged); if it is {table} too, name it with {table_flag(table)}",
                file=file,
            )


class _LazyIds(Mapping):
    """id column -> ids, reading each remembered file's column on first use (most runs never ask)."""

    def __init__(self) -> None:
        self.pending: dict[str, list[tuple[ColumnReader, str]]] = {}
        self.read: dict[str, set[str]] = {}

    def __getitem__(self, canonical: str) -> set[str]:
        ids = self.read.setdefault(canonical, set())
        for reader, source in self.pending.pop(canonical, []):
            ids.update(v.strip() for v in reader(source) if v.strip())
        return ids

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({*self.pending, *self.read}))

    def __len__(self) -> int:
        return len({*self.pending, *self.read})


def unmapped_note(detection: Detection, header: list[str], file: str, *, keeps_others: bool) -> list[str]:
    """A file placed by its content names the columns segkit does not read (never silently ignored).

    Tables that keep free-form columns (accounts, surveys) keep them under their export names.
    """
    if detection.placement is None or keeps_others:
        return []
    used = set(detection.mapping.values())
    unread = [h for h in header if h not in used and h.strip()]
    if not unread:
        return []
    table = detection.preset.table
    return [f"{file}: columns not used by the {table} table: {', '.join(unread)} (map one in segkit.toml "
            f"[inputs.{table}.columns] if it is a {table} column under another name)"]

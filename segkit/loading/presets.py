"""Presets map an export's columns onto a canonical table; the best match is picked from the header.

A preset is a table name plus, for each canonical column, the header names that mean it (matched
case- and whitespace-insensitively). The ``generic`` presets accept segkit's own column names; a
config's ``[inputs.TABLE.columns]`` becomes a preset of its own, preferred over the built-ins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from segkit.config import Config
from segkit.errors import InputDataError
from segkit.loading.schema import TABLES


def normalise_header(name: str) -> str:
    """Lower case, trimmed, inner whitespace collapsed: how exports' labels drift."""
    return re.sub(r"\s+", " ", name.strip().lstrip("\ufeff")).lower()


@dataclass(frozen=True)
class Preset:
    """How one kind of export maps onto a canonical table."""

    name: str
    table: str
    columns: dict[str, tuple[str, ...]]
    options: dict[str, Any] = field(default_factory=dict)
    priority: int = 0
    #: Canonical columns of which at least one must be found: what tells this export apart from
    #: another with the same id column (HubSpot companies and deals both have ``Record ID``).
    signature: tuple[str, ...] = ()
    #: Header patterns (regular expressions, matched on the normalised name) tried after the
    #: aliases, e.g. Stripe's ``<key> (metadata)`` columns that hold the CRM id.
    patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def resolve(self, header: list[str]) -> dict[str, str]:
        """Canonical column -> the header's own spelling, for every column this preset finds."""
        by_norm: dict[str, str] = {}
        for name in header:
            by_norm.setdefault(normalise_header(name), name)
        mapping: dict[str, str] = {}
        for canonical, aliases in self.columns.items():
            for alias in aliases:
                hit = by_norm.get(normalise_header(alias))
                if hit is not None:
                    mapping[canonical] = hit
                    break
        for canonical, patterns in self.patterns.items():
            if canonical in mapping:
                continue
            for pattern in patterns:
                hits = [orig for norm, orig in by_norm.items() if re.fullmatch(pattern, norm)]
                if hits:
                    mapping[canonical] = hits[0]
                    break
        return mapping

    def missing(self, mapping: dict[str, str]) -> list[str]:
        out = TABLES[self.table].missing_required(set(mapping))
        if self.signature and not any(c in mapping for c in self.signature):
            out.append(" or ".join(self.signature))
        return out

    def expected(self, canonical: str) -> str:
        """How the export names a canonical column, for messages: ``account_id ('Record ID')``."""
        names = [n for part in canonical.split(" or ") for n in self.columns.get(part, ())[:1]]
        shown = " or ".join(repr(n) for n in names)
        return f"{canonical} ({shown})" if names and shown != repr(canonical) else canonical

    def with_group_key(self, key: str) -> Preset:
        """The preset with ``key`` (``--group-key``) tried first for account_id, per its templates."""
        templates = self.options.get("group_key_paths")
        if not templates or not key:
            return self
        aliases = tuple(t.format(key) for t in templates) + tuple(self.columns.get("account_id", ()))
        return replace(self, columns={**self.columns, "account_id": aliases})


_REGISTRY: dict[str, Preset] = {}


def register_preset(preset: Preset) -> Preset:
    """Add a preset to the registry (built-in vendor presets register the same way)."""
    _REGISTRY[preset.name] = preset
    return preset


def builtin_presets() -> list[Preset]:
    return list(_REGISTRY.values())


for _table, _schema in TABLES.items():
    register_preset(
        Preset(
            name=f"generic-{_table}",
            table=_table,
            columns={c.name: (c.name,) for c in _schema.columns},
        )
    )


def config_presets(config: Config) -> list[Preset]:
    """The config's explicit column mappings, as presets that win ties against built-ins."""
    presets = []
    for table, spec in config.inputs.items():
        if not spec.columns:
            continue
        columns: dict[str, tuple[str, ...]] = {c.name: (c.name,) for c in TABLES[table].columns}
        for canonical, source in spec.columns.items():
            if canonical not in columns:
                from segkit.errors import ConfigError

                raise ConfigError(
                    f"[inputs.{table}.columns]: {canonical!r} is not a column of the {table} table; "
                    f"its columns are: {', '.join(TABLES[table].names)}"
                )
            columns[canonical] = (source,)
        # A named preset (``preset = "stripe-subscriptions-api"``) lends its options (units...).
        base = _REGISTRY.get(spec.preset or "")
        options = {**(base.options if base else {}), **dict(spec.options)}
        if "mrr_unit" in options:
            options.setdefault("amount_unit", options["mrr_unit"])
        presets.append(Preset(name=f"config-{table}", table=table, columns=columns, options=options, priority=10))
    return presets


@dataclass(frozen=True)
class Detection:
    preset: Preset
    mapping: dict[str, str]


def detect(header: list[str], presets: list[Preset], *, file: str, table: str | None = None) -> Detection:
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
    if best is not None:
        return best
    shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
    if closest is None:
        raise InputDataError(f"no preset for table {table!r}", file=file)
    _, preset, missing = closest
    what = f"as {table}" if table else "as any known export"
    raise InputDataError(
        f"cannot read {what}: closest preset is {preset.name}, which lacks {', '.join(preset.expected(m) for m in missing)} "
        f"(header: {shown}); map the columns in segkit.toml [inputs.{preset.table}.columns]",
        file=file,
    )

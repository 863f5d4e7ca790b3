"""The preset conformance kit: what every registered input preset must hold.

Run it on your own preset (no files needed)::

    from segkit.testing import check_preset
    check_preset(MY_PRESET)            # raises AssertionError listing what failed

segkit's suite runs it on every preset registered under ``segkit.presets``. The checks:

- ``shape``: a kebab-case name, a known table, only that table's canonical columns, non-empty
  string aliases, signature, pattern and companion columns among them; a status map only with a
  status column;
- ``own_header``: the documented header (each column's first alias) is detected as this preset,
  with every listed column mapped, when the table is known;
- ``generic_header``: segkit's own column names for the table are not detected as this preset
  (unless it is the generic one), so a vendor preset never captures generic files;
- ``unique_name``: no other registered preset has the name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from segkit.errors import InputDataError
from segkit.loading.detect import detect
from segkit.loading.presets.base import Preset
from segkit.loading.presets.generic import generic_preset
from segkit.loading.presets.registry import builtin_presets
from segkit.loading.schema import TABLES

NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def _shape(preset: Preset, _others: Sequence[Preset]) -> list[str]:
    problems = []
    if not NAME.fullmatch(preset.name):
        problems.append(f"name {preset.name!r} is not kebab-case (hubspot-companies)")
    if preset.table not in TABLES:
        return problems + [f"table {preset.table!r} is not one of {', '.join(TABLES)}"]
    known = set(TABLES[preset.table].names)
    for canonical, aliases in preset.columns.items():
        if canonical not in known:
            problems.append(f"column {canonical!r} is not a column of the {preset.table} table")
        if not aliases or not all(isinstance(a, str) and a.strip() for a in aliases):
            problems.append(f"column {canonical!r} needs at least one non-empty header name")
    for canonical in (*preset.signature, *preset.patterns, *preset.companions, *preset.options.future_dates):
        if canonical not in known:
            problems.append(f"signature/pattern/companion/future-date column {canonical!r} is not a column of the {preset.table} table")
    statuses = set(preset.options.status_map)
    if statuses and "status" not in preset.columns:
        problems.append(f"status_map {sorted(statuses)} given but no status column is mapped")
    return problems


def documented_header(preset: Preset) -> list[str]:
    """The header an export of this preset has: each column's first (UI) name."""
    return [aliases[0] for aliases in preset.columns.values()]


def _own_header(preset: Preset, others: Sequence[Preset]) -> list[str]:
    header = documented_header(preset)
    try:
        found = detect(header, [preset, *others], file="documented header", table=preset.table)
    except InputDataError as exc:
        return [f"its documented header is not detected at all: {exc}"]
    problems = []
    if found.preset.name != preset.name:
        problems.append(f"its documented header {header} is detected as {found.preset.name}")
    lost = sorted(set(preset.columns) - set(found.mapping))
    if found.preset.name == preset.name and lost:
        problems.append(f"its documented header leaves {', '.join(lost)} unmapped")
    return problems


def _generic_header(preset: Preset, others: Sequence[Preset]) -> list[str]:
    generic = generic_preset(preset.table) if preset.table in TABLES else None
    if generic is None or preset.name == generic.name:
        return []
    header = documented_header(generic)
    candidates = [generic, *(p for p in others if p.name != generic.name), preset]
    try:
        found = detect(header, candidates, file="generic header", table=preset.table)
    except InputDataError:
        return []
    if found.preset.name == preset.name:
        return [f"segkit's generic {preset.table} header is detected as {preset.name}, not {generic.name}"]
    return []


def _unique_name(preset: Preset, others: Sequence[Preset]) -> list[str]:
    clash = [p for p in others if p.name == preset.name and p is not preset]
    return [f"name {preset.name!r} is registered twice"] if clash else []


CHECKS: dict[str, Callable[[Preset, Sequence[Preset]], list[str]]] = {
    "shape": _shape,
    "own_header": _own_header,
    "generic_header": _generic_header,
    "unique_name": _unique_name,
}


def check_preset(preset: Preset, *, others: Sequence[Preset] | None = None) -> None:
    """Run every check on ``preset`` against ``others`` (default: every registered preset but itself)."""
    if not isinstance(preset, Preset):
        raise AssertionError(f"{preset!r} is not a segkit Preset")
    pool = [p for p in (builtin_presets() if others is None else others) if p is not preset]
    problems = [f"{preset.name}: {name}: {problem}" for name, check in CHECKS.items() for problem in check(preset, pool)]
    if problems:
        raise AssertionError("preset conformance failed:\n" + "\n".join(problems))

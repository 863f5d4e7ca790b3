"""The registered presets: the ``segkit.presets`` entry-point group, built-ins and plugins alike.

Each entry point is named as the preset (``hubspot-companies = "segkit.loading.presets.hubspot:COMPANIES"``)
and points at a ``Preset``. segkit's own come first, in the order pyproject.toml lists them (on a
tie, detection keeps the earlier preset), then plugins by package name. A plugin entry that cannot
be loaded, is not a ``Preset``, names an unknown table or reuses a taken name is skipped with a
warning naming the package to remove; it never stops a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points

from segkit.loading.presets.base import Preset
from segkit.plugins import distribution_name, package_of, register_kind
from segkit.loading.schema import TABLES

GROUP = "segkit.presets"
BUILTIN_ORIGIN = "segkit"


@dataclass(frozen=True)
class PresetRegistry:
    """Presets by name (in detection order), each with the package it came from, and the warnings."""

    presets: dict[str, Preset] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


register_kind("preset", lambda obj: isinstance(obj, Preset), "a segkit Preset")


def _origin(ep: EntryPoint) -> str:
    return distribution_name(ep) or "unknown"


def _load(ep: EntryPoint, taken: dict[str, Preset]) -> tuple[Preset | None, str | None]:
    """The entry point's preset, or why it is skipped."""
    try:
        preset = ep.load()
    except Exception as exc:  # noqa: BLE001 - a broken plugin warns, never crashes
        return None, _skipped(ep, f"cannot be loaded ({exc})")
    if not isinstance(preset, Preset):
        return None, _skipped(ep, "is not a segkit Preset")
    if preset.table not in TABLES:
        return None, _skipped(ep, f"names an unknown table {preset.table!r}")
    if preset.name != ep.name:
        return None, _skipped(ep, f"is named {preset.name!r} inside")
    if preset.name in taken:
        return None, _skipped(ep, "reuses a registered name; it is ignored")
    return preset, None


def _skipped(ep: EntryPoint, why: str) -> str:
    return f"preset {ep.name!r} from package {_origin(ep)} {why}; remove it with: pip uninstall {package_of(ep)}"


def _detection_order(ep: EntryPoint) -> tuple[bool, str, bool, str]:
    origin = _origin(ep)
    return (origin != BUILTIN_ORIGIN, origin, not ep.name.startswith("generic-"), ep.name)


@lru_cache(maxsize=1)
def preset_registry() -> PresetRegistry:
    """Discover every registered preset once per process."""
    found = sorted(entry_points(group=GROUP), key=_detection_order)
    presets: dict[str, Preset] = {}
    origins: dict[str, str] = {}
    problems: list[str] = []
    for ep in found:
        preset, problem = _load(ep, presets)
        if problem:
            problems.append(problem)  # reported in the run's warnings (jobs.segment.plugin_warnings)
            continue
        presets[preset.name] = preset
        origins[preset.name] = _origin(ep)
    return PresetRegistry(presets=presets, origins=origins, warnings=tuple(problems))


def builtin_presets() -> list[Preset]:
    """Every registered preset (segkit's and plugins'), in detection order."""
    return list(preset_registry().presets.values())


def get_preset(name: str) -> Preset | None:
    return preset_registry().presets.get(name)

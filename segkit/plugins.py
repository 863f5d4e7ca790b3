"""Plugins: the entry-point groups of every extension kind, discovery with origin, and warnings.

segkit's built-ins register through the same groups as outside packages (``pyproject.toml``),
the way datasette loads its default plugins, so the plugin path runs on every invocation. A
plugin that fails to import, or whose object is of the wrong kind, becomes a warning naming the
package to remove; it never stops a run.

Discovery is generic: ``discover_group`` works for any group name, so each stage's registry
(segmenters, writers, presets, engines) is a thin wrapper that says what a valid object is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import Distribution, EntryPoint, entry_points

#: Extension kind -> entry-point group.
GROUPS: dict[str, str] = {
    "segmenter": "segkit.segmenters",
    "writer": "segkit.writers",
    "preset": "segkit.presets",
    "engine": "segkit.engines",
}


@dataclass(frozen=True)
class Plugin:
    """One loaded entry point."""

    kind: str
    name: str
    obj: object
    origin: str  # distribution name and version, e.g. "segkit 0.1.0"
    object_path: str  # "module:attribute", as registered


@dataclass(frozen=True)
class Discovery:
    """The plugins of one group that loaded and are valid, and a warning for each that is not."""

    plugins: tuple[Plugin, ...]
    warnings: tuple[str, ...]

    def by_name(self) -> dict[str, Plugin]:
        return {plugin.name: plugin for plugin in self.plugins}


@dataclass(frozen=True)
class PluginRecord:
    """One row of ``segkit plugins``: what is registered, where from, and whether it loads."""

    kind: str
    name: str
    origin: str
    object_path: str
    ok: bool
    problem: str | None = None


@dataclass(frozen=True)
class Kind:
    """What a valid object of one extension kind is (registered by the stage that owns the kind)."""

    accepts: Callable[[object], bool]
    expected: str  # for the warning: "a segkit Segmenter class"


_KINDS: dict[str, Kind] = {}


def register_kind(kind: str, accepts: Callable[[object], bool], expected: str) -> None:
    """Say what a valid plugin of ``kind`` is, so ``describe_all`` flags wrong objects too."""
    _KINDS[kind] = Kind(accepts, expected)


@lru_cache(maxsize=256)
def _name_and_version(dist: Distribution) -> tuple[str, str]:
    """A distribution's name and version from one parse of its METADATA: importlib.metadata
    parses the file again on every ``.name``, ``.version`` and ``.metadata`` (~1 ms each, and a
    run asks ~200 times: 0.1-0.2 s). The entry points of one ``entry_points()`` call share their
    distribution object, so this caches per call."""
    metadata = dist.metadata
    return metadata["Name"], metadata["Version"]


def distribution_name(ep: EntryPoint) -> str | None:
    """The name of the distribution that registered ``ep``, None when unknown."""
    dist = getattr(ep, "dist", None)
    return _name_and_version(dist)[0] if dist is not None else None


def origin_of(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return " ".join(_name_and_version(dist)) if dist is not None else "unknown distribution"


def package_of(ep: EntryPoint) -> str:
    """The name to give ``pip uninstall`` (the distribution, else the top-level module)."""
    return distribution_name(ep) or ep.value.split(":")[0].split(".")[0]


def _entry_points(group: str) -> list[EntryPoint]:
    return sorted(entry_points(group=group), key=lambda ep: (ep.name, ep.value))


def discover_group(
    group: str,
    kind: str,
    accepts: Callable[[object], bool] = lambda obj: True,
    expected: str = "a segkit plugin object",
) -> Discovery:
    """Load every entry point of ``group``; the first valid one of each name wins.

    ``accepts`` says whether a loaded object is of the right kind; ``expected`` describes the
    right kind in the warning ("a segkit Segmenter class").
    """
    found: dict[str, Plugin] = {}
    warnings: list[str] = []
    for ep in _entry_points(group):
        origin = origin_of(ep)
        try:
            obj = ep.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break segkit
            warnings.append(
                f"{kind} plugin {ep.name!r} from {origin} failed to import ({type(exc).__name__}: {exc}); "
                f"remove it with: pip uninstall {package_of(ep)}"
            )
            continue
        if not accepts(obj):
            warnings.append(f"entry point {ep.name!r} from {origin} is not {expected}; ignored")
            continue
        if ep.name in found:
            warnings.append(f"{kind} {ep.name!r} from {origin} ignored: already provided by {found[ep.name].origin}")
            continue
        found[ep.name] = Plugin(kind, ep.name, obj, origin, ep.value)
    return Discovery(tuple(found.values()), tuple(warnings))


def describe_group(kind: str, group: str | None = None) -> list[PluginRecord]:
    """Every entry point of one kind, loaded to see whether it works (broken ones included)."""
    records = []
    for ep in _entry_points(group or GROUPS[kind]):
        problem = _problem(kind, ep)
        records.append(PluginRecord(kind, ep.name, origin_of(ep), ep.value, problem is None, problem))
    return records


def _problem(kind: str, ep: EntryPoint) -> str | None:
    try:
        obj = ep.load()
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        return f"failed to import ({type(exc).__name__}: {exc}); remove it with: pip uninstall {package_of(ep)}"
    known = _KINDS.get(kind)
    if known is not None and not known.accepts(obj):
        return f"not {known.expected}; ignored"
    return None


def describe_all() -> list[PluginRecord]:
    """Every registered extension of every kind, in kind then name order (for ``segkit plugins``).

    Objects are checked against the kinds registered with ``register_kind`` (segmenters and
    writers register theirs when imported); other kinds are checked for importing only.
    """
    return [record for kind in GROUPS for record in describe_group(kind)]


__all__ = ["GROUPS", "Discovery", "Kind", "Plugin", "PluginRecord", "describe_all", "describe_group", "discover_group", "distribution_name", "register_kind"]

"""Discovery of segmenters through the ``segkit.segmenters`` entry-point group.

Built-ins register through the same group as plugins (see ``pyproject.toml``), so the plugin
path is exercised on every run. A plugin that fails to import becomes a warning, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points

from segkit.errors import UsageError
from segkit.segmenters.base import Segmenter

ENTRY_POINT_GROUP = "segkit.segmenters"


@dataclass(frozen=True)
class SegmenterInfo:
    name: str
    cls: type[Segmenter]
    origin: str  # distribution name and version the entry point came from


@dataclass(frozen=True)
class Registry:
    segmenters: dict[str, SegmenterInfo]
    warnings: tuple[str, ...]

    def get(self, name: str) -> type[Segmenter]:
        info = self.segmenters.get(name)
        if info is None:
            known = ", ".join(sorted(self.segmenters)) or "none"
            raise UsageError(f"unknown segmenter {name!r}; available: {known} (see 'segkit segmenters')")
        return info.cls


_extra: dict[str, SegmenterInfo] = {}


def register(cls: type[Segmenter], origin: str = "registered at run time") -> type[Segmenter]:
    """Register a segmenter from code (a notebook or a test) without packaging it."""
    _extra[cls.name] = SegmenterInfo(cls.name, cls, origin)
    return cls


def discover() -> Registry:
    found: dict[str, SegmenterInfo] = {}
    warnings: list[str] = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = getattr(ep, "dist", None)
        origin = f"{dist.metadata['Name']} {dist.version}" if dist is not None else "unknown distribution"
        try:
            cls = ep.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break segkit
            package = dist.metadata["Name"] if dist is not None else ep.value.split(":")[0]
            warnings.append(
                f"segmenter plugin {ep.name!r} from {origin} failed to import ({type(exc).__name__}: {exc}); "
                f"remove it with: pip uninstall {package}"
            )
            continue
        if not (isinstance(cls, type) and issubclass(cls, Segmenter)):
            warnings.append(f"entry point {ep.name!r} from {origin} is not a segkit Segmenter class; ignored")
            continue
        if ep.name in found:
            warnings.append(f"segmenter {ep.name!r} from {origin} ignored: already provided by {found[ep.name].origin}")
            continue
        found[ep.name] = SegmenterInfo(ep.name, cls, origin)
    found.update(_extra)
    return Registry(found, tuple(warnings))

"""Discovery of segmenters through the ``segkit.segmenters`` entry-point group.

Built-ins register through the same group as plugins (see ``pyproject.toml``), so the plugin
path is exercised on every run. Discovery and the warnings for broken plugins are
``segkit.plugins``; a plugin that fails to import becomes a warning, never a crash.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import cast

from segkit.errors import UsageError
from segkit.plugins import GROUPS, discover_group, register_kind
from segkit.segmenters.base import Segmenter

ENTRY_POINT_GROUP = GROUPS["segmenter"]


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
            close = difflib.get_close_matches(name, list(self.segmenters), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"unknown segmenter {name!r}{hint} (available: {known}; see 'segkit segmenters')")
        return info.cls


_extra: dict[str, SegmenterInfo] = {}


def register(cls: type[Segmenter], origin: str = "registered at run time") -> type[Segmenter]:
    """Register a segmenter from code (a notebook or a test) without packaging it."""
    _extra[cls.name] = SegmenterInfo(cls.name, cls, origin)
    return cls


def _is_segmenter(obj: object) -> bool:
    return isinstance(obj, type) and issubclass(obj, Segmenter)


EXPECTED = "a segkit Segmenter class"
register_kind("segmenter", _is_segmenter, EXPECTED)


def discover() -> Registry:
    found = discover_group(ENTRY_POINT_GROUP, "segmenter", _is_segmenter, EXPECTED)
    segmenters = {p.name: SegmenterInfo(p.name, cast(type[Segmenter], p.obj), p.origin) for p in found.plugins}
    segmenters.update(_extra)
    return Registry(segmenters, found.warnings)

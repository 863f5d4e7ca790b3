"""Writers render a Report in one format; they are found by format name in a registry.

The registry is the ``segkit.writers`` entry-point group (``segkit.plugins``): segkit's own
writers register there exactly like an outside package's, so a new format is one file plus one
line in its package's ``pyproject.toml``. ``register_writer`` adds one from code (a notebook or
a test) without packaging it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar, cast

from segkit.errors import UsageError
from segkit.plugins import GROUPS, Discovery, discover_group, register_kind
from segkit.report import Report

ENTRY_POINT_GROUP = GROUPS["writer"]


class Writer:
    """One output format. Subclasses set ``format`` and implement ``render``."""

    #: Name used with --format (and the entry-point name).
    format: ClassVar[str] = ""
    #: File name of ``render``'s output in --out DIR, or None when --out does not write it.
    filename: ClassVar[str | None] = None
    #: True when ``render`` returns bytes, False when it returns text.
    binary: ClassVar[bool] = False
    #: Further files this writer adds to --out DIR (``extra_files`` renders them).
    also_writes: ClassVar[tuple[str, ...]] = ()

    def render(self, report: Report) -> str | bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def extra_files(self, report: Report) -> dict[str, bytes]:
        """File name -> content of each name in ``also_writes``."""
        return {}


_EXTRA: dict[str, type[Writer]] = {}


def _is_writer(obj: object) -> bool:
    return isinstance(obj, type) and issubclass(obj, Writer) and bool(obj.format)


EXPECTED = "a segkit Writer class with a format"
register_kind("writer", _is_writer, EXPECTED)


@lru_cache(maxsize=1)
def discovered() -> Discovery:
    """The writers registered through entry points (loaded once per process)."""
    return discover_group(ENTRY_POINT_GROUP, "writer", _is_writer, EXPECTED)


def writer_warnings() -> tuple[str, ...]:
    """One line per writer plugin that failed to load (for the run's warnings)."""
    return discovered().warnings


def writers() -> dict[str, type[Writer]]:
    """Format name -> writer class: entry points, then writers registered at run time."""
    found = {p.name: cast(type[Writer], p.obj) for p in discovered().plugins}
    found.update(_EXTRA)
    return found


def register_writer(cls: type[Writer]) -> type[Writer]:
    """Register a writer from code, without packaging it (replaces one of the same format)."""
    _EXTRA[cls.format] = cls
    return cls


def get_writer(fmt: str) -> Writer:
    cls = writers().get(fmt)
    if cls is None:
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(formats())}")
    return cls()


def formats() -> list[str]:
    return sorted(writers())

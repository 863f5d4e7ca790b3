"""Writers render a Report in one format; they are found by format name in a registry."""

from __future__ import annotations

from typing import ClassVar

from segkit.report import Report


class Writer:
    #: Name used with --format.
    format: ClassVar[str] = ""
    #: File name in --out DIR, if this format is one of the output files.
    filename: ClassVar[str | None] = None
    binary: ClassVar[bool] = False

    def render(self, report: Report) -> str | bytes:  # pragma: no cover - abstract
        raise NotImplementedError


_WRITERS: dict[str, type[Writer]] = {}


def register_writer(cls: type[Writer]) -> type[Writer]:
    _WRITERS[cls.format] = cls
    return cls


def get_writer(fmt: str) -> Writer:
    from segkit.errors import UsageError

    cls = _WRITERS.get(fmt)
    if cls is None:
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(sorted(_WRITERS))}")
    return cls()


def formats() -> list[str]:
    return sorted(_WRITERS)

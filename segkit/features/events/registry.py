"""The event engines a run may pick with ``--engine NAME``: the ``segkit.engines`` entry-point group.

The built-ins (``duckdb``, ``spark``) register through the same group as outside plugins
(pyproject.toml). An entry point names a factory called with an ``EngineOptions``; it is loaded
only when its engine is picked, so ``spark`` is always listed but PySpark is imported only when a
run asks for it. An entry point that cannot be loaded is listed with a warning naming the package
to remove; it never stops a run that picks another engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import pandas as pd

from segkit.errors import UsageError
from segkit.features.events.base import EventEngine
from segkit.loading.model import EventInput, Rejections
from segkit.plugins import distribution_name, register_kind

GROUP = "segkit.engines"
DEFAULT_ENGINE = "duckdb"
DEFAULT_SPARK_MASTER = "local[2]"


@dataclass(frozen=True)
class EngineOptions:
    """Everything a run may tell an engine; each engine uses what applies to it."""

    events: EventInput
    timezone: str = "UTC"
    users: pd.DataFrame | None = None
    spark_master: str | None = None
    threads: int | None = None
    memory_limit: str | None = None
    temp_directory: str | None = None
    progress: bool = False


EngineFactory = Callable[[EngineOptions], EventEngine]
register_kind("engine", callable, "an engine factory (a callable taking EngineOptions)")


@dataclass(frozen=True)
class EngineEntry:
    """One registered engine: its name, the package it comes from, its entry point."""

    name: str
    origin: str
    entry_point: EntryPoint


def registered_engines() -> dict[str, EngineEntry]:
    """Every engine in the ``segkit.engines`` group, by name (first registration wins)."""
    out: dict[str, EngineEntry] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        origin = distribution_name(ep) or "unknown"
        out.setdefault(ep.name, EngineEntry(name=ep.name, origin=origin, entry_point=ep))
    return out


def engine_factory(name: str | None) -> EngineFactory:
    """The factory registered as ``name``; an unknown name is a usage error listing the known ones."""
    wanted = (name or DEFAULT_ENGINE).lower()
    engines = registered_engines()
    entry = engines.get(wanted)
    if entry is None:
        raise UsageError(f"unknown --engine {name!r}; choose one of: {', '.join(sorted(engines)) or 'none registered'}")
    try:
        return entry.entry_point.load()
    except Exception as exc:  # noqa: BLE001 - a broken plugin is the user's to remove, not a crash
        raise UsageError(
            f"engine {wanted!r} (package {entry.origin}) cannot be loaded ({exc}); "
            f"reinstall or remove it: pip uninstall {entry.origin}"
        ) from None


def make_engine(
    events: EventInput,
    *,
    engine: str | None = DEFAULT_ENGINE,
    timezone: str = "UTC",
    users: pd.DataFrame | None = None,
    spark_master: str | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    temp_directory: str | None = None,
    progress: bool = False,
) -> EventEngine:
    """The engine named ``engine`` over ``events`` (see ``EventEngine`` for what it answers)."""
    factory = engine_factory(engine)
    options = EngineOptions(events=events, timezone=timezone, users=users, spark_master=spark_master,
                            threads=threads, memory_limit=memory_limit, temp_directory=temp_directory,
                            progress=progress)
    return factory(options)


def duckdb_engine(options: EngineOptions) -> EventEngine:
    """The ``duckdb`` entry point: the embedded engine (the default)."""
    from segkit.features.events.duckdb import DuckDBEngine

    return DuckDBEngine(options.events, timezone=options.timezone, users=options.users, threads=options.threads,
                        memory_limit=options.memory_limit, temp_directory=options.temp_directory,
                        progress=options.progress)


def spark_engine(options: EngineOptions) -> EventEngine:
    """The ``spark`` entry point: PySpark is imported here, only when a run picks it."""
    from segkit.features.events.spark import SparkEventEngine

    return SparkEventEngine(options.events, timezone=options.timezone, users=options.users,
                            master=options.spark_master or DEFAULT_SPARK_MASTER)


def convert_events(events: EventInput, out: Path, rejections: Rejections, *, engine: str | None = DEFAULT_ENGINE,
                   timezone: str = "UTC", as_of: dt.date | None = None, users: pd.DataFrame | None = None) -> int:
    """``segkit convert`` for events: one call into the picked engine's ``convert``; rows written."""
    opened = make_engine(events, engine=engine, timezone=timezone, users=users)
    try:
        return opened.convert(out, rejections, as_of=as_of)
    finally:
        opened.close()

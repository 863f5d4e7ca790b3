"""An example event engine: DuckDB on one thread, registered under its own name.

A toy, but a conformant one: ``segkit.testing.check_engine`` proves it gives the built-in
engine's figures. A real plugin (Polars, DataFusion, a warehouse) implements the same
``segkit.features.events.base.EventEngine`` protocol and registers a factory the same way.
"""

from __future__ import annotations

from segkit.features.events.base import EventEngine
from segkit.features.events.duckdb import DuckDBEngine
from segkit.features.events.registry import EngineOptions


def single_thread_engine(options: EngineOptions) -> EventEngine:
    """``--engine duckdb-1thread``: the DuckDB engine with one worker thread (reproducible timings)."""
    engine = DuckDBEngine(options.events, timezone=options.timezone, users=options.users, threads=1,
                          memory_limit=options.memory_limit, temp_directory=options.temp_directory)
    engine.name = "duckdb-1thread"
    return engine

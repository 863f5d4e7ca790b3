"""Picking the event-feature engine: embedded DuckDB (default) or Apache Spark (``--engine spark``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.errors import UsageError
from segkit.loading.loader import EventInput

ENGINES = ("duckdb", "spark")
DEFAULT_SPARK_MASTER = "local[2]"


def make_engine(
    events: EventInput,
    *,
    engine: str | None = "duckdb",
    timezone: str = "UTC",
    users: pd.DataFrame | None = None,
    spark_master: str | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    temp_directory: str | None = None,
    progress: bool = False,
) -> Any:
    """An engine over ``events`` with ``features``, ``max_timestamp``, ``event_detail``, ``close``."""
    name = (engine or "duckdb").lower()
    if name == "duckdb":
        from segkit.features.events import EventEngine

        return EventEngine(events, timezone=timezone, users=users, threads=threads, memory_limit=memory_limit,
                           temp_directory=temp_directory, progress=progress)
    if name == "spark":
        from segkit.features.spark_engine import SparkEventEngine

        return SparkEventEngine(events, timezone=timezone, users=users, master=spark_master or DEFAULT_SPARK_MASTER)
    raise UsageError(f"unknown --engine {engine!r}; choose one of: {', '.join(ENGINES)}")

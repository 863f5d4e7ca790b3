"""``validate``: per file, what would be read, used and rejected, without computing metrics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from segkit.config import Config
import pandas as pd

from segkit.features.events.base import EventEngine
from segkit.jobs.settings import SegmentOptions, engine_settings, resolve_load
from segkit.loading import EventInput
from segkit.jobs.stages import PathLike, TableFiles, as_config, paths, table_paths


def validate(
    files: Sequence[PathLike] = (),
    *,
    tables: TableFiles | None = None,
    config: Config | PathLike | None = None,
    timezone: str | None = None,
    max_rejected: float | None = None,
    as_of: dt.date | None = None,
    read: Mapping[str, str] | None = None,
    engine: str | None = None,
) -> dict[str, Any]:
    """Per file: preset and table, rows read/used/rejected and why, dates, what metrics lack.

    A file that cannot be used at all is listed with its error instead of stopping the check;
    ``ok`` is false when any file failed or rejected more than ``max_rejected`` of its rows.
    """
    from segkit.features.events.registry import make_engine
    from segkit.loading.inspect import validate_inputs

    config = as_config(config)
    options = resolve_load(config, timezone=timezone, max_rejected=max_rejected, as_of=as_of, read=read).checked()
    engines = engine_settings(config, SegmentOptions(engine=engine))

    def open_engine(events: EventInput, users: pd.DataFrame | None) -> EventEngine:
        """Events are counted by the run's engine (``--engine``), as ``segment`` would read them."""
        return make_engine(events, engine=engines.engine, timezone=options.timezone, users=users,
                           spark_master=engines.spark_master, threads=engines.threads,
                           memory_limit=engines.memory_limit, temp_directory=engines.temp_directory)

    return validate_inputs(paths(files), table_paths(tables), config, options, open_engine=open_engine)

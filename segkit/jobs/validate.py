"""``validate``: per file, what would be read, used and rejected, without computing metrics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from segkit.config import Config
from segkit.jobs.settings import resolve_load
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
) -> dict[str, Any]:
    """Per file: preset and table, rows read/used/rejected and why, dates, what metrics lack.

    A file that cannot be used at all is listed with its error instead of stopping the check;
    ``ok`` is false when any file failed or rejected more than ``max_rejected`` of its rows.
    """
    from segkit.loading.inspect import validate_inputs

    config = as_config(config)
    options = resolve_load(config, timezone=timezone, max_rejected=max_rejected, as_of=as_of, read=read).checked()
    return validate_inputs(paths(files), table_paths(tables), config, options, timezone=options.timezone)

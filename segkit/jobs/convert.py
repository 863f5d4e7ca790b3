"""``convert``: the inputs of one table, mapped to segkit's canonical columns, as one Parquet file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from segkit.config import Config
from segkit.errors import OutputError, UsageError
from segkit.jobs.settings import resolve_load
from segkit.jobs.stages import PathLike, TableFiles, as_config, load_with
from segkit.loading import Inputs
from segkit.loading.asof import cut_at_as_of


def _write_table(inputs: Inputs, table: str, temp: Path, options_as_of: dt.date | None, timezone: str) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if table == "events":
        from segkit.features.events.registry import convert_events

        return convert_events(inputs.events, temp, inputs.rejections, timezone=timezone, as_of=options_as_of,
                              users=inputs.frame("users"))
    frame = inputs.frame(table)
    frame = frame[[c for c in frame.columns if not str(c).startswith("_")]]
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), temp, compression="zstd")
    return len(frame)


def convert(
    files: Sequence[PathLike] = (),
    *,
    out: PathLike,
    tables: TableFiles | None = None,
    config: Config | PathLike | None = None,
    timezone: str | None = None,
    max_rejected: float | None = None,
    as_of: dt.date | None = None,
    read: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Write the inputs of one table, mapped to segkit's canonical columns, as one Parquet file.

    For repeated runs over a large CSV or JSON Lines event log: the Parquet file keeps only the
    mapped columns, typed (UTC timestamps), and is read by ``segment`` without parsing. Rows are
    accounted as ``segment`` would (``rows_read = rows_used + rows_rejected + rows_after_as_of``); rejected rows are
    not written and are returned under ``rejected`` (a frame, as in rejected.csv). Events are
    checked against ``as_of`` only when it is given; duplicate event ids are kept (the event id is
    written, so ``segment`` still removes them).
    """
    config = as_config(config)
    options = resolve_load(config, timezone=timezone, max_rejected=max_rejected, as_of=as_of, read=read)
    inputs = load_with(files, tables, config, options)
    present = sorted(set(inputs.tables) | ({"events"} if inputs.events is not None else set()))
    if len(present) != 1:
        raise UsageError(f"segkit convert writes one table per call; these files hold: {', '.join(present) or 'nothing'}")
    table = present[0]
    if as_of is not None:  # rows after as-of excluded and counted (events: by the engine), as a run would
        import pandas as pd

        cut_at_as_of(inputs, pd.Timestamp(as_of).tz_localize("UTC"))
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.tmp")
    try:
        written = _write_table(inputs, table, temp, as_of, options.timezone)
        temp.replace(target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc})") from None
    stats = inputs.stats()[table]
    return {"table": table, "out": str(target), "rows_written": int(written), "input": stats.as_report(),
            "rejected": inputs.rejections.frame()}

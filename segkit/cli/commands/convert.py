"""``segkit convert``: one table's files as one mapped Parquet file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from segkit.cli.lazy import api
from segkit.cli.app import app
from segkit.cli.environment import environment
from segkit.cli.options import (
    ConfigOpt, FilesArg, ReadOverrides, TableFiles, TableOrJsonOpt, TimezoneOpt, default_config, parse_date,
    with_option_groups,
)
from segkit.cli.render import render_convert, table_or_json, write_json


@app.command()
@with_option_groups
def convert(
    ctx: typer.Context,
    files: FilesArg = None,
    out: Annotated[Path, typer.Option("--out", help="Parquet file to write (atomically).")] = ...,  # type: ignore[assignment]
    tables: TableFiles = TableFiles(),
    config: ConfigOpt = None,
    timezone: TimezoneOpt = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Also reject events after this day (default: keep every date).")] = None,
    max_rejected: Annotated[Optional[float], typer.Option(help="Largest share of rejected rows before exit 3 (default 0.05).")] = None,
    rejected: Annotated[Optional[Path], typer.Option("--rejected", help="Write the rejected rows to this CSV file.")] = None,
    format_: TableOrJsonOpt = None,
    read: ReadOverrides = ReadOverrides(),
) -> None:
    """Write one table's files, mapped to segkit's columns, as one Parquet file for repeated runs.

    Examples:

    \b
      segkit convert data/samples/events.jsonl.gz --out events.parquet
    """
    env = environment(ctx)
    result = api.convert(
        files or [], out=out, tables=tables.as_dict(), config=default_config(config), timezone=timezone,
        max_rejected=max_rejected, as_of=parse_date(as_of), read=read.as_dict(),
    )
    if rejected is not None:
        from segkit.writers.csv import frame_to_csv

        rejected.write_text(frame_to_csv(result["rejected"]), encoding="utf-8")
    summary = {k: v for k, v in result.items() if k != "rejected"}
    if table_or_json(format_, env, "convert") == "json":
        write_json(env, summary)
    else:
        env.write(render_convert(summary))

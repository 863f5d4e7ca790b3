"""``segkit validate``: what each file would give, without computing metrics."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from segkit.cli.lazy import api
from segkit.cli.app import app
from segkit.cli.environment import environment
from segkit.cli.options import (
    ConfigOpt, EngineOpt, FilesArg, ReadOverrides, TableFiles, TableOrJsonOpt, TimezoneOpt, default_config, parse_date,
    with_option_groups,
)
from segkit.cli.render import render_validation, table_or_json, write_json
from segkit.errors import InputDataError


@app.command()
@with_option_groups
def validate(
    ctx: typer.Context,
    files: FilesArg = None,
    tables: TableFiles = TableFiles(),
    config: ConfigOpt = None,
    timezone: TimezoneOpt = None,
    format_: TableOrJsonOpt = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Reject dates after this day, as segment would.")] = None,
    max_rejected: Annotated[Optional[float], typer.Option(help="Share of rejected rows that makes a file fail (default 0.05).")] = None,
    read: ReadOverrides = ReadOverrides(),
    engine: EngineOpt = None,
) -> None:
    """Show, per file, what would be read, used and rejected, and why, without computing metrics.

    Exits 3 when a file cannot be used or rejects more than --max-rejected of its rows.

    Examples:

    \b
      segkit validate --config configs/samples.toml
      segkit validate data/samples/subscriptions.csv --format json
    """
    env = environment(ctx)
    summary = api.validate(
        files or [], tables=tables.as_dict(), config=default_config(config), timezone=timezone,
        max_rejected=max_rejected, as_of=parse_date(as_of), read=read.as_dict(), engine=engine,
    )
    if table_or_json(format_, env, "validate") == "json":
        write_json(env, summary)
    else:
        env.write(render_validation(summary))
    if not summary["ok"]:
        bad = [f["file"] for f in summary["files"] if "error" in f or f.get("over_max_rejected")]
        raise InputDataError(f"{len(bad)} file(s) cannot be used as they are: {', '.join(bad)} (details above)")

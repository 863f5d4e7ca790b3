"""``segkit diff``: what changed between two runs, one call into ``segkit.api.diff``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from segkit.cli.lazy import api
from segkit.cli.app import app
from segkit.cli.environment import environment
from segkit.cli.render import write_json
from segkit.errors import UsageError


@app.command()
def diff(
    ctx: typer.Context,
    old: Annotated[Optional[Path], typer.Argument(help="The older run: an --out DIR, a run folder of its history, or an output directory.", show_default=False)] = None,
    new: Annotated[Optional[Path], typer.Argument(help="The newer run, the same way.", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Compare the last two runs in this --out DIR's history.")] = None,
    format_: Annotated[Optional[str], typer.Option("--format", help="table, json or csv (default: table on a terminal, json when piped).")] = None,
) -> None:
    """Accounts that changed segment, appeared or disappeared; each segment's MRR bridge; churn and NRR explained.

    Examples (two runs into one --out DIR, then what changed between them):

    \b
      segkit segment --config configs/samples.toml --out runs
      segkit segment --config configs/samples.toml --as-of 2025-12-30 --out runs
      segkit diff --out runs
      segkit diff --out runs --format csv
    """
    env = environment(ctx)
    fmt = format_ or ("table" if env.stdout_is_tty else "json")
    if fmt not in ("table", "json", "csv"):
        raise UsageError(f"unknown --format {fmt!r}; choose one of: table, json, csv")
    from segkit.writers.changes import changes_csv, changes_text

    changes = api.diff(old, new, out_dir=out)
    if fmt == "json":
        write_json(env, changes)
    elif fmt == "csv":
        env.write(changes_csv(changes))
    else:
        env.write(changes_text(changes))

"""``segkit init``: a commented segkit.toml from the files' headers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segkit.cli.lazy import api
from segkit.cli.app import app
from segkit.cli.environment import environment
from segkit.cli.options import DetectOverrides, FilesArg, TableFiles, with_option_groups


@app.command()
@with_option_groups
def init(
    ctx: typer.Context,
    files: FilesArg = None,
    tables: TableFiles = TableFiles(),
    output: Annotated[Path, typer.Option("--output", "-o", help="Config file to write.")] = Path("segkit.toml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing config file.")] = False,
    read: DetectOverrides = DetectOverrides(),
) -> None:
    """Write a segkit.toml mapping each export's columns, as detected from its header, commented.

    Examples:

    \b
      segkit init data/samples
      segkit init data/samples/companies.csv data/samples/nps.csv -o nps.toml
    """
    env = environment(ctx)
    path = api.init_config(files or [], tables=tables.as_dict(), output=output, force=force, read=read.as_dict())
    here = path.name == "segkit.toml" and path.parent.resolve() == Path.cwd().resolve()
    env.info(f"wrote {path}; review it, then run: segkit segment" + ("" if here else f" --config {path}"))

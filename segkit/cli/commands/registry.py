"""``segkit segmenters``: the registered segmenters."""

from __future__ import annotations

import typer

from segkit.cli.lazy import api
from segkit.cli.app import app
from segkit.cli.environment import environment
from segkit.cli.options import TableOrJsonOpt
from segkit.cli.render import print_segmenters, table_or_json, write_json


@app.command()
def segmenters(ctx: typer.Context, format_: TableOrJsonOpt = None) -> None:
    """List the registered segmenters, where each comes from, and their parameters.

    Examples:

    \b
      segkit segmenters
      segkit segmenters --format json
    """
    env = environment(ctx)
    items = api.list_segmenters()
    for warning in api.registry_warnings():
        env.info(f"warning: {warning}")
    if table_or_json(format_, env, "segmenters") == "json":
        write_json(env, items)
    else:
        print_segmenters(items, env)

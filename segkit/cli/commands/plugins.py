"""``segkit plugins``: every registered segmenter, writer, preset and engine, and where it comes from."""

from __future__ import annotations

import typer

from segkit.cli.lazy import api
from segkit.cli.app import app
from segkit.cli.environment import environment
from segkit.cli.options import TableOrJsonOpt
from segkit.cli.render import print_plugins, table_or_json, write_json


@app.command()
def plugins(ctx: typer.Context, format_: TableOrJsonOpt = None) -> None:
    """List every registered extension (built in or plugin) with its origin; broken ones say how to remove them.

    Examples:

    \b
      segkit plugins
      segkit plugins --format json
    """
    env = environment(ctx)
    items = api.list_plugins()
    for item in items:
        if not item["ok"]:
            env.info(f"warning: {item['kind']} {item['name']!r} from {item['origin']}: {item['problem']}")
    if table_or_json(format_, env, "plugins") == "json":
        write_json(env, items)
    else:
        print_plugins(items, env)

"""``segkit icp``: the ideal customer profile."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from segkit.cli.lazy import api
from segkit.cli.app import app
from segkit.cli.environment import environment
from segkit.cli.options import (
    ConfigOpt, FilesArg, IcpFormatOpt, ReportingCurrencyOpt, TableFiles, TimezoneOpt, default_config, parse_date,
    with_option_groups,
)
from segkit.errors import UsageError
from segkit.cli.render import print_icp, table_or_json, write_json


@app.command()
@with_option_groups
def icp(
    ctx: typer.Context,
    files: FilesArg = None,
    tables: TableFiles = TableFiles(),
    config: ConfigOpt = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Date the profile is computed at (default: the latest activity date in the data).")] = None,
    top_share: Annotated[float, typer.Option(help="Top share of retained customers by MRR that makes the ICP (default 0.25).")] = 0.25,
    min_tenure_months: Annotated[float, typer.Option(help="Months paying before a customer counts as retained (default 6).")] = 6.0,
    min_accounts: Annotated[int, typer.Option(help="List only values held by at least this many ICP accounts (default 3).")] = 3,
    column: Annotated[Optional[list[str]], typer.Option(help="Attribute column to profile (repeatable; default: size, revenue, industry, country, region, tools, custom fields).")] = None,
    timezone: TimezoneOpt = None,
    reporting_currency: ReportingCurrencyOpt = None,
    format_: IcpFormatOpt = None,
) -> None:
    """Ideal customer profile: attribute values that over-index among top-value retained accounts.

    Examples:

    \b
      segkit icp --config configs/samples.toml
      segkit icp --config configs/samples.toml --column industry --format json
      segkit icp --config configs/samples.toml --format html
    """
    env = environment(ctx)
    if format_ not in (None, "table", "json", "html"):
        raise UsageError(f"icp prints --format table, json or html; got {format_!r}")
    fmt = "html" if format_ == "html" else table_or_json(format_, env, "icp")
    result = api.icp(
        files or [], tables=tables.as_dict(), config=default_config(config),
        options=api.SegmentOptions(as_of=parse_date(as_of), timezone=timezone, reporting_currency=reporting_currency),
        top_share=top_share, min_tenure_months=min_tenure_months, min_accounts=min_accounts, columns=column,
    )
    if fmt == "json":
        from segkit.report import clean_json

        write_json(env, clean_json(result, 6))
    elif fmt == "html":
        from segkit import __version__
        from segkit.report import clean_json
        from segkit.writers.charts import render_icp_page

        env.write(render_icp_page(clean_json(result, 6), __version__))
    else:
        print_icp(result, env)

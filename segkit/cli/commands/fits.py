"""``segkit clv`` and ``segkit retention``: the stand-alone model fits on one file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from segkit.cli.lazy import api
from segkit.cli.app import app
from segkit.cli.environment import Environment, environment
from segkit.cli.options import TableOrJsonOpt, parse_date
from segkit.cli.render import choose_format, print_fit
from segkit.errors import UsageError

FieldSeparatorOpt = Annotated[Optional[str], typer.Option(help="Field separator: , ; | tab whitespace (default: sniffed).")]
HeaderOpt = Annotated[bool, typer.Option("--header/--no-header", help="Whether the first line names the columns.")]


def _fit_format(requested: str | None, env: Environment) -> str:
    fmt = choose_format(requested, env)
    if fmt not in ("table", "json"):
        raise UsageError(f"--format takes table or json; got {fmt!r}")
    return fmt


@app.command()
def clv(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Transactions: one row per purchase (customer, date, amount).")],
    model: Annotated[str, typer.Option(help="Model: bgnbd (BG/NBD + Gamma-Gamma).")] = "bgnbd",
    calibration_end: Annotated[Optional[str], typer.Option("--calibration-end", help="Last day of the calibration period, YYYY-MM-DD (default: the latest date).")] = None,
    customer_col: Annotated[str, typer.Option("--customer-col", help="Customer id column: a name, or a 1-based number.")] = "customer_id",
    date_col: Annotated[str, typer.Option("--date-col", help="Purchase date column: a name, or a 1-based number.")] = "date",
    amount_col: Annotated[str, typer.Option("--amount-col", help="Amount column: a name, or a 1-based number.")] = "amount",
    date_format: Annotated[Optional[str], typer.Option("--date-format", help="strftime format of the dates, e.g. %Y%m%d (default ISO 8601).")] = None,
    delimiter: FieldSeparatorOpt = None,
    header: HeaderOpt = True,
    time_unit: Annotated[str, typer.Option("--time-unit", help="Model time unit: days, weeks or months.")] = "weeks",
    horizon: Annotated[float, typer.Option(help="Project expected transactions over this many time units.")] = 52.0,
    clv_months: Annotated[int, typer.Option("--clv-months", help="CLV horizon in months.")] = 12,
    discount_rate: Annotated[float, typer.Option("--discount-rate", help="Annual discount rate for CLV.")] = 0.10,
    max_rejected: Annotated[float, typer.Option("--max-rejected", help="Largest share of rejected rows before exit 3.")] = 0.05,
    predictions: Annotated[Optional[Path], typer.Option(help="Write per-customer predictions to this CSV file.")] = None,
    format_: TableOrJsonOpt = None,
) -> None:
    """Fit BG/NBD and Gamma-Gamma to transactions: parameters, fit statistics, P(alive), CLV.

    Examples (transactions.csv: customer_id, date, amount, one row per purchase):

    \b
      segkit clv transactions.csv
      segkit clv transactions.csv --calibration-end 2025-06-30 --time-unit weeks
      segkit clv transactions.csv --format json
    """
    env = environment(ctx)
    fmt = _fit_format(format_, env)
    if calibration_end is not None:
        parse_date(calibration_end, "--calibration-end")
    result = api.fit_clv(
        file, model=model, calibration_end=calibration_end, customer_col=customer_col, date_col=date_col,
        amount_col=amount_col, date_format=date_format, delimiter=delimiter, header=header, time_unit=time_unit,
        horizon=horizon, clv_months=clv_months, discount_rate=discount_rate, max_rejected=max_rejected,
        predictions=predictions,
    )
    from segkit.writers.fits import render_clv

    print_fit(result, fmt, render_clv, env)


@app.command()
def retention(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Survival table (period, alive[, cohort]) or one row per customer (recency, T[, cohort]).")],
    model: Annotated[str, typer.Option(help="Model: sbg (shifted-beta-geometric).")] = "sbg",
    period_col: Annotated[str, typer.Option("--period-col", help="Period column (0 = cohort start).")] = "period",
    alive_col: Annotated[str, typer.Option("--alive-col", help="Column with the number still active at the start of each period.")] = "alive",
    cohort_col: Annotated[Optional[str], typer.Option("--cohort-col", help="Column naming the cohort (default: cohort or cohorts if present).")] = None,
    delimiter: FieldSeparatorOpt = None,
    header: HeaderOpt = True,
    discount_rate: Annotated[float, typer.Option("--discount-rate", help="Discount rate per period for DERL.")] = 0.10,
    periods: Annotated[int, typer.Option(help="Project survival for this many periods after the data.")] = 5,
    renewals: Annotated[Optional[int], typer.Option(help="Renewals made by the customers DERL is computed for (default: the last observed period).")] = None,
    cohort_size: Annotated[Optional[float], typer.Option("--cohort-size", help="Customers at period 0 when alive holds shares (fractions or percentages): needed for standard errors and log-likelihood.")] = None,
    cohort_size_col: Annotated[Optional[str], typer.Option("--cohort-size-col", help="Column giving each cohort's size when alive holds shares (default: cohort_size if present).")] = None,
    format_: TableOrJsonOpt = None,
) -> None:
    """Fit the sBG retention model: alpha, beta, projected survival, expected lifetime, DERL.

    Examples (survival.csv: period, alive; the number still active at the start of each period):

    \b
      segkit retention survival.csv
      segkit retention survival.csv --periods 8 --format json
    """
    env = environment(ctx)
    fmt = _fit_format(format_, env)
    result = api.fit_retention(
        file, model=model, period_col=period_col, alive_col=alive_col, cohort_col=cohort_col, delimiter=delimiter,
        header=header, discount_rate=discount_rate, periods_ahead=periods, renewals=renewals,
        cohort_size=cohort_size, cohort_size_col=cohort_size_col,
    )
    from segkit.writers.fits import render_retention

    print_fit(result, fmt, render_retention, env)

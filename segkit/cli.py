"""The command line: parse options, call ``segkit.api``, print. Nothing else lives here.

``main`` is the one error boundary: typed errors become one line on stderr and the exit status
of SPEC section 5; anything unexpected is reported as a bug (exit 1), with the traceback only
under ``--traceback``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from segkit import __version__, api
from segkit.errors import ExitStatus, SegkitError, UsageError

try:  # typer >= 0.20 vendors click; older versions use click itself
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import ClickException

app = typer.Typer(
    name="segkit",
    help="Customer segmentation for SaaS exports: per-segment conversion, churn and CLV.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class State:
    quiet = False


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def info(message: str) -> None:
    if not State.quiet:
        _stderr().print(message, markup=False)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"segkit {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    traceback_: Annotated[bool, typer.Option("--traceback", help="Show the full traceback of an error.")] = False,
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version and exit.")] = None,
) -> None:
    """segkit: customer segmentation for SaaS exports."""


def parse_period(text: str) -> int:
    """``12``, ``12m``, ``6 months``, ``1y`` -> months."""
    match = re.fullmatch(r"\s*(\d+)\s*(m|mo|month|months|y|yr|year|years)?\s*", text.lower())
    if not match:
        raise UsageError(f"--period takes a number of months such as 12, 6m or 1y; got {text!r}")
    value = int(match.group(1))
    return value * 12 if (match.group(2) or "m").startswith("y") else value


def parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--as-of takes a date as YYYY-MM-DD; got {text!r}") from None


def choose_format(requested: str | None) -> str:
    """Explicit --format wins; otherwise a table on a terminal and JSON when piped."""
    if requested:
        return requested
    return "table" if sys.stdout.isatty() else "json"


def emit(report: api.Report, fmt: str) -> None:
    from segkit.writers import get_writer
    from segkit.writers.table_writer import TableWriter, render_tables

    writer = get_writer(fmt)
    if isinstance(writer, TableWriter) and sys.stdout.isatty():
        render_tables(report, Console(highlight=False))
        return
    content = writer.render(report)
    if isinstance(content, bytes):
        if sys.stdout.isatty():
            raise UsageError(f"--format {fmt} is binary; redirect stdout to a file or a pipe")
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(content)
        sys.stdout.flush()


def _tables(*paths: list[Path] | None) -> dict[str, list[Path] | None]:
    """The per-table file options, in the order every command declares them."""
    return dict(zip(("accounts", "subscriptions", "invoices", "deals", "events", "users", "surveys"), paths))


FilesArg = Annotated[Optional[list[Path]], typer.Argument(help="Export files; each file's table is detected from its header.", show_default=False)]
TableOpt = Annotated[Optional[list[Path]], typer.Option(show_default=False)]
# Reading overrides (issue #3, docs/inputs.md); each is also a [load] key in segkit.toml.
EncodingOpt = Annotated[Optional[str], typer.Option("--encoding", help="Text encoding of CSV inputs (default: sniffed).")]
DelimiterOpt = Annotated[Optional[str], typer.Option("--delimiter", help="CSV delimiter: , ; tab | (default: sniffed from the header).")]
DecimalOpt = Annotated[Optional[str], typer.Option("--decimal", help="Decimal separator: . or , (default: decided per column).")]
DateFormatOpt = Annotated[Optional[str], typer.Option("--date-format", help="strptime layout of non-ISO dates, e.g. %d/%m/%Y.")]
AmountUnitOpt = Annotated[Optional[str], typer.Option("--amount-unit", help="Billing amounts in major units or minor (cents) (default: the preset's).")]
GroupKeyOpt = Annotated[Optional[str], typer.Option("--group-key", help="Events: the group key holding the account id (Mixpanel property, Amplitude group type).")]


def read_overrides(encoding: str | None, delimiter: str | None, decimal: str | None, date_format: str | None,
                   amount_unit: str | None, group_key: str | None) -> dict[str, str]:
    values = {
        "encoding": encoding, "delimiter": delimiter, "decimal": decimal, "date_format": date_format,
        "amount_unit": amount_unit, "group_key": group_key,
    }
    return {k: v for k, v in values.items() if v is not None}


@app.command()
def segment(
    files: FilesArg = None,
    accounts: TableOpt = None,
    subscriptions: TableOpt = None,
    invoices: TableOpt = None,
    deals: TableOpt = None,
    events: TableOpt = None,
    users: TableOpt = None,
    surveys: TableOpt = None,
    config: Annotated[Optional[Path], typer.Option(help="Config file (default: ./segkit.toml if present).")] = None,
    by: Annotated[Optional[list[str]], typer.Option(help="Segmenters: NAME[,NAME...]; NAME*NAME crosses two. Default: firmographic,geographic,value.")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Date the figures are computed at (default: the latest date in the data).")] = None,
    period: Annotated[Optional[str], typer.Option(help="Length of the metric period ending at as-of: 12, 6m, 1y (default 12 months).")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Directory to write every output file to (atomically).")] = None,
    format_: Annotated[Optional[str], typer.Option("--format", help="stdout format: table, json, jsonl, csv, markdown, html, parquet (default: table on a terminal, json when piped).")] = None,
    min_segment_size: Annotated[Optional[int], typer.Option(help="Suppress metrics of segments smaller than this (default 5).")] = None,
    gross_margin: Annotated[Optional[float], typer.Option(help="Gross margin for CLV, 0-1 (default 1.0).")] = None,
    timezone: Annotated[Optional[str], typer.Option(help="Zone of timestamps that carry none (default UTC).")] = None,
    max_rejected: Annotated[Optional[float], typer.Option(help="Largest share of rejected rows per file before exit 3 (default 0.05).")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override a config value: SECTION.KEY=VALUE, e.g. segmenters.value.cut_points=[50,500].")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or warnings on stderr.")] = False,
    clv_method: Annotated[Optional[str], typer.Option("--clv-method", help="CLV method: simple, sbg or bgnbd (default simple).")] = None,
    discount_rate: Annotated[Optional[float], typer.Option("--discount-rate", help="Annual discount rate for CLV (default 0.10).")] = None,
    cohorts_by_segment: Annotated[Optional[bool], typer.Option("--cohorts-by-segment/--no-cohorts-by-segment", help="Also compute cohort tables per segment.", show_default=False)] = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    decimal: DecimalOpt = None,
    date_format: DateFormatOpt = None,
    amount_unit: AmountUnitOpt = None,
    group_key: GroupKeyOpt = None,
    engine: Annotated[Optional[str], typer.Option("--engine", help="Event-feature engine: duckdb (default, embedded) or spark (pip install 'segkit[spark]').")] = None,
    spark_master: Annotated[Optional[str], typer.Option("--spark-master", help="With --engine spark: local[2] (default), spark://HOST:PORT, yarn, k8s://...")] = None,
) -> None:
    """Segment accounts and compute per-segment conversion, churn, MRR and CLV."""
    State.quiet = quiet
    fmt = choose_format(format_)
    from segkit.writers import formats

    if fmt not in formats():
        raise UsageError(f"unknown --format {fmt!r}; choose one of: {', '.join(formats())}")
    config_path = config if config is not None else _default_config()
    options = api.SegmentOptions(
        by=by,
        as_of=parse_date(as_of),
        period_months=parse_period(period) if period else None,
        min_segment_size=min_segment_size,
        gross_margin=gross_margin,
        timezone=timezone,
        max_rejected=max_rejected,
        overrides=set_ or [],
        read=read_overrides(encoding, delimiter, decimal, date_format, amount_unit, group_key),
        clv_method=clv_method,
        discount_rate=discount_rate,
        cohorts_by_segment=cohorts_by_segment,
        engine=engine,
        spark_master=spark_master,
    )
    if min_segment_size is not None and min_segment_size < 0:
        raise UsageError("--min-segment-size must be 0 or more")
    progress = info if (sys.stderr.isatty() and not quiet) else None
    report = api.segment(
        files or [],
        tables=_tables(accounts, subscriptions, invoices, deals, events, users, surveys),
        config=config_path,
        options=options,
        progress=progress,
    )
    if out is not None:
        paths = api.write_outputs(report, out)
        info(f"wrote {len(paths)} files to {out}")
    if not quiet and fmt != "table":
        for warning in report.data["warnings"]:
            info(f"warning: {warning['message']}")
    emit(report, fmt)


def _default_config() -> Path | None:
    from segkit.config import default_config_path

    return default_config_path()


@app.command()
def validate(
    files: FilesArg = None,
    accounts: TableOpt = None,
    subscriptions: TableOpt = None,
    invoices: TableOpt = None,
    deals: TableOpt = None,
    events: TableOpt = None,
    users: TableOpt = None,
    surveys: TableOpt = None,
    config: Annotated[Optional[Path], typer.Option(help="Config file (default: ./segkit.toml if present).")] = None,
    timezone: Annotated[Optional[str], typer.Option(help="Zone of timestamps that carry none (default UTC).")] = None,
    format_: Annotated[Optional[str], typer.Option("--format", help="table or json (default: table on a terminal, json when piped).")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Reject dates after this day, as segment would.")] = None,
    max_rejected: Annotated[Optional[float], typer.Option(help="Share of rejected rows that makes a file fail (default 0.05).")] = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    decimal: DecimalOpt = None,
    date_format: DateFormatOpt = None,
    amount_unit: AmountUnitOpt = None,
    group_key: GroupKeyOpt = None,
    engine: Annotated[Optional[str], typer.Option("--engine", help="Event engine that counts the events (default duckdb; see segkit plugins).")] = None,
) -> None:
    """Show, per file, what would be read, used and rejected, and why, without computing metrics.

    Exits 3 when a file cannot be used or rejects more than --max-rejected of its rows.
    """
    summary = api.validate(
        files or [],
        tables=_tables(accounts, subscriptions, invoices, deals, events, users, surveys),
        config=config if config is not None else _default_config(),
        timezone=timezone,
        max_rejected=max_rejected,
        engine=engine,
        as_of=parse_date(as_of),
        read=read_overrides(encoding, delimiter, decimal, date_format, amount_unit, group_key),
    )
    fmt = choose_format(format_)
    if fmt == "json":
        from segkit.writers.json_writer import dumps

        sys.stdout.write(dumps(summary))
    elif fmt == "table":
        sys.stdout.write(render_validation(summary))
    else:
        raise UsageError("validate prints --format table or json")
    if not summary["ok"]:
        from segkit.errors import InputDataError

        bad = [f["file"] for f in summary["files"] if "error" in f or f.get("over_max_rejected")]
        raise InputDataError(f"{len(bad)} file(s) cannot be used as they are: {', '.join(bad)} (details above)")


def render_validation(summary: dict) -> str:
    """The per-file text of ``segkit validate``."""
    lines = []
    for item in summary["files"]:
        lines.append(item["file"])
        if "error" in item:
            lines.append(f"  ERROR: {item['error']}")
            lines.append("")
            continue
        lines.append(f"  {item['table']}: {item['described_as']} (preset {item['preset']})")
        lines.append(f"  columns: {', '.join(f'{k} <- {v}' for k, v in item['columns'].items())}")
        flag = "  TOO MANY (more than --max-rejected)" if item["over_max_rejected"] else ""
        lines.append(
            f"  rows: read {item['rows_read']:,}, usable {item['rows_used']:,}, rejected {item['rows_rejected']:,}{flag}"
            f" (cells set to null: {item['cells_rejected']:,})"
        )
        for reason in item["top_rejection_reasons"]:
            lines.append(f"    {reason['rows']:,} x {reason['reason']}")
        dates = item["date_range"]
        lines.append(f"  dates: {dates[0]} to {dates[1]}" if dates else "  dates: none")
        for metric, need in item["missing_for_metrics"].items():
            lines.append(f"  missing for {metric}: {need}")
        for note in item["notes"]:
            lines.append(f"  note: {note}")
        lines.append("")
    if summary["missing_for_metrics"]:
        lines.append("metrics that cannot be computed from these files:")
        for metric, missing in summary["missing_for_metrics"].items():
            lines.append(f"  {metric}: needs {missing}")
    lines.append("ok" if summary["ok"] else "problems found: see ERROR and TOO MANY above")
    return "\n".join(lines) + "\n"


@app.command()
def convert(
    files: FilesArg = None,
    out: Annotated[Path, typer.Option("--out", help="Parquet file to write (atomically).")] = ...,
    accounts: TableOpt = None,
    subscriptions: TableOpt = None,
    invoices: TableOpt = None,
    deals: TableOpt = None,
    events: TableOpt = None,
    users: TableOpt = None,
    surveys: TableOpt = None,
    config: Annotated[Optional[Path], typer.Option(help="Config file (default: ./segkit.toml if present).")] = None,
    timezone: Annotated[Optional[str], typer.Option(help="Zone of timestamps that carry none (default UTC).")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Also reject events after this day (default: keep every date).")] = None,
    max_rejected: Annotated[Optional[float], typer.Option(help="Largest share of rejected rows before exit 3 (default 0.05).")] = None,
    rejected: Annotated[Optional[Path], typer.Option("--rejected", help="Write the rejected rows to this CSV file.")] = None,
    format_: Annotated[Optional[str], typer.Option("--format", help="table or json (default: table on a terminal, json when piped).")] = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    decimal: DecimalOpt = None,
    date_format: DateFormatOpt = None,
    amount_unit: AmountUnitOpt = None,
    group_key: GroupKeyOpt = None,
) -> None:
    """Write one table's files, mapped to segkit's columns, as one Parquet file for repeated runs."""
    result = api.convert(
        files or [],
        out=out,
        tables=_tables(accounts, subscriptions, invoices, deals, events, users, surveys),
        config=config if config is not None else _default_config(),
        timezone=timezone,
        max_rejected=max_rejected,
        as_of=parse_date(as_of),
        read=read_overrides(encoding, delimiter, decimal, date_format, amount_unit, group_key),
    )
    if rejected is not None:
        from segkit.writers.csv_writer import frame_to_csv

        rejected.write_text(frame_to_csv(result["rejected"]), encoding="utf-8")
    summary = {k: v for k, v in result.items() if k != "rejected"}
    fmt = choose_format(format_)
    if fmt == "json":
        from segkit.writers.json_writer import dumps

        sys.stdout.write(dumps(summary))
    elif fmt == "table":
        st = summary["input"]
        sys.stdout.write(
            f"{summary['table']}: read {st['rows_read']:,}, used {st['rows_used']:,}, rejected {st['rows_rejected']:,}; "
            f"wrote {summary['rows_written']:,} rows to {summary['out']}\n"
        )
        for reason in st["top_rejection_reasons"]:
            sys.stdout.write(f"  {reason['rows']:,} x {reason['reason']}\n")
    else:
        raise UsageError("convert prints --format table or json")


@app.command()
def init(
    files: FilesArg = None,
    accounts: TableOpt = None,
    subscriptions: TableOpt = None,
    invoices: TableOpt = None,
    deals: TableOpt = None,
    events: TableOpt = None,
    users: TableOpt = None,
    surveys: TableOpt = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Config file to write.")] = Path("segkit.toml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing config file.")] = False,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    group_key: GroupKeyOpt = None,
) -> None:
    """Write a segkit.toml mapping each export's columns, as detected from its header, commented."""
    path = api.init_config(
        files or [],
        tables=_tables(accounts, subscriptions, invoices, deals, events, users, surveys),
        output=output,
        force=force,
        read=read_overrides(encoding, delimiter, None, None, None, group_key),
    )
    info(f"wrote {path}; review it, then run: segkit segment" + ("" if path.name == "segkit.toml" and path.parent.resolve() == Path.cwd().resolve() else f" --config {path}"))


@app.command()
def segmenters(
    format_: Annotated[Optional[str], typer.Option("--format", help="table or json (default: table on a terminal, json when piped).")] = None,
) -> None:
    """List the registered segmenters, where each comes from, and their parameters."""
    items = api.list_segmenters()
    for warning in api.registry_warnings():
        info(f"warning: {warning}")
    fmt = choose_format(format_)
    if fmt == "json":
        from segkit.writers.json_writer import dumps

        sys.stdout.write(dumps(items))
        return
    if fmt != "table":
        raise UsageError("segmenters prints --format table or json")
    from rich.table import Table

    table = Table(title="Segmenters", show_lines=True)
    table.add_column("Name", no_wrap=True)
    table.add_column("From")
    table.add_column("Parameters (default)")
    for item in items:
        params = "\n".join(f"{p}={spec['default']!r}: {spec['doc']}" for p, spec in item["parameters"].items())
        table.add_row(item["name"], item["origin"], f"{item['description']}\n{params}")
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    console.print(table)


@app.command()
def sample(
    directory: Annotated[Path, typer.Argument(help="Directory to write the sample exports to.")],
    accounts: Annotated[int, typer.Option(help="Number of accounts.")] = 300,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same files.")] = 7,
) -> None:
    """Write realistic sample exports (HubSpot, Stripe, Segment, NPS) with planted effects."""
    if accounts < 1:
        raise UsageError("--accounts must be at least 1")
    paths = api.sample(directory, accounts=accounts, seed=seed)
    for path in paths:
        sys.stdout.write(f"{path}\n")


@app.command()
def icp(
    files: FilesArg = None,
    accounts: TableOpt = None,
    subscriptions: TableOpt = None,
    invoices: TableOpt = None,
    deals: TableOpt = None,
    events: TableOpt = None,
    users: TableOpt = None,
    surveys: TableOpt = None,
    config: Annotated[Optional[Path], typer.Option(help="Config file (default: ./segkit.toml if present).")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Date the profile is computed at (default: the latest date in the data).")] = None,
    top_share: Annotated[float, typer.Option(help="Top share of retained customers by MRR that makes the ICP (default 0.25).")] = 0.25,
    min_tenure_months: Annotated[float, typer.Option(help="Months paying before a customer counts as retained (default 6).")] = 6.0,
    min_accounts: Annotated[int, typer.Option(help="List only values held by at least this many ICP accounts (default 3).")] = 3,
    column: Annotated[Optional[list[str]], typer.Option(help="Attribute column to profile (repeatable; default: size, revenue, industry, country, region, tools, custom fields).")] = None,
    timezone: Annotated[Optional[str], typer.Option(help="Zone of timestamps that carry none (default UTC).")] = None,
    format_: Annotated[Optional[str], typer.Option("--format", help="table or json (default: table on a terminal, json when piped).")] = None,
) -> None:
    """Ideal customer profile: attribute values that over-index among top-value retained accounts."""
    fmt = choose_format(format_)
    if fmt not in ("table", "json"):
        raise UsageError("icp prints --format table or json")
    result = api.icp(
        files or [],
        tables=_tables(accounts, subscriptions, invoices, deals, events, users, surveys),
        config=config if config is not None else _default_config(),
        options=api.SegmentOptions(as_of=parse_date(as_of), timezone=timezone),
        top_share=top_share,
        min_tenure_months=min_tenure_months,
        min_accounts=min_accounts,
        columns=column,
    )
    if fmt == "json":
        from segkit.report import clean_json
        from segkit.writers.json_writer import dumps

        sys.stdout.write(dumps(clean_json(result, 6)))
        return
    from rich.table import Table

    table = Table(title=f"Ideal customer profile: {result['icp_accounts']} ICP accounts of {result['all_accounts']}")
    for name in ("Attribute", "Value", "ICP", "ICP share", "All", "All share", "Lift", "q"):
        table.add_column(name, justify="right" if name not in ("Attribute", "Value") else "left")
    for row in result["over_indexed"]:
        table.add_row(
            row["attribute"], row["value"], f"{row['icp_accounts']:,}", f"{row['icp_share']:.0%}", f"{row['all_accounts']:,}",
            f"{row['all_share']:.0%}", f"{row['lift']:.2f}", f"{row['q_value']:.3f}" + (" *" if row["significant"] else ""),
        )
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    console.print(table)
    console.print(result["definition"] + "; * = q < 0.05", markup=False)


def _fit_format(requested: str | None) -> str:
    fmt = choose_format(requested)
    if fmt not in ("table", "json"):
        raise UsageError(f"--format takes table or json; got {fmt!r}")
    return fmt


def _print_fit(result: dict, fmt: str, render) -> None:
    for warning in result.get("warnings", []):
        info(f"warning: {warning}")
    if fmt == "json":
        from segkit.report import clean_json
        from segkit.writers.json_writer import dumps

        sys.stdout.write(dumps(clean_json(result, 8)))
        return
    sys.stdout.write(render(result))


@app.command()
def clv(
    file: Annotated[Path, typer.Argument(help="Transactions: one row per purchase (customer, date, amount).")],
    model: Annotated[str, typer.Option(help="Model: bgnbd (BG/NBD + Gamma-Gamma).")] = "bgnbd",
    calibration_end: Annotated[Optional[str], typer.Option("--calibration-end", help="Last day of the calibration period, YYYY-MM-DD (default: the latest date).")] = None,
    customer_col: Annotated[str, typer.Option("--customer-col", help="Customer id column: a name, or a 1-based number.")] = "customer_id",
    date_col: Annotated[str, typer.Option("--date-col", help="Purchase date column: a name, or a 1-based number.")] = "date",
    amount_col: Annotated[str, typer.Option("--amount-col", help="Amount column: a name, or a 1-based number.")] = "amount",
    date_format: Annotated[Optional[str], typer.Option("--date-format", help="strftime format of the dates, e.g. %Y%m%d (default ISO 8601).")] = None,
    delimiter: Annotated[Optional[str], typer.Option(help="Field separator: , ; | tab whitespace (default: sniffed).")] = None,
    header: Annotated[bool, typer.Option("--header/--no-header", help="Whether the first line names the columns.")] = True,
    time_unit: Annotated[str, typer.Option("--time-unit", help="Model time unit: days, weeks or months.")] = "weeks",
    horizon: Annotated[float, typer.Option(help="Project expected transactions over this many time units.")] = 52.0,
    clv_months: Annotated[int, typer.Option("--clv-months", help="CLV horizon in months.")] = 12,
    discount_rate: Annotated[float, typer.Option("--discount-rate", help="Annual discount rate for CLV.")] = 0.10,
    max_rejected: Annotated[float, typer.Option("--max-rejected", help="Largest share of rejected rows before exit 3.")] = 0.05,
    predictions: Annotated[Optional[Path], typer.Option(help="Write per-customer predictions to this CSV file.")] = None,
    format_: Annotated[Optional[str], typer.Option("--format", help="table or json (default: table on a terminal, json when piped).")] = None,
) -> None:
    """Fit BG/NBD and Gamma-Gamma to transactions: parameters, fit statistics, P(alive), CLV."""
    fmt = _fit_format(format_)
    if calibration_end is not None:
        try:
            dt.date.fromisoformat(calibration_end.strip())
        except ValueError:
            raise UsageError(f"--calibration-end takes a date as YYYY-MM-DD; got {calibration_end!r}") from None
    result = api.fit_clv(
        file, model=model, calibration_end=calibration_end, customer_col=customer_col, date_col=date_col,
        amount_col=amount_col, date_format=date_format, delimiter=delimiter, header=header, time_unit=time_unit,
        horizon=horizon, clv_months=clv_months, discount_rate=discount_rate, max_rejected=max_rejected,
        predictions=predictions,
    )
    from segkit.writers.fits import render_clv

    _print_fit(result, fmt, render_clv)


@app.command()
def retention(
    file: Annotated[Path, typer.Argument(help="Survival table (period, alive[, cohort]) or one row per customer (recency, T[, cohort]).")],
    model: Annotated[str, typer.Option(help="Model: sbg (shifted-beta-geometric).")] = "sbg",
    period_col: Annotated[str, typer.Option("--period-col", help="Period column (0 = cohort start).")] = "period",
    alive_col: Annotated[str, typer.Option("--alive-col", help="Column with the number still active at the start of each period.")] = "alive",
    cohort_col: Annotated[Optional[str], typer.Option("--cohort-col", help="Column naming the cohort (default: cohort or cohorts if present).")] = None,
    delimiter: Annotated[Optional[str], typer.Option(help="Field separator: , ; | tab whitespace (default: sniffed).")] = None,
    header: Annotated[bool, typer.Option("--header/--no-header", help="Whether the first line names the columns.")] = True,
    discount_rate: Annotated[float, typer.Option("--discount-rate", help="Discount rate per period for DERL.")] = 0.10,
    periods: Annotated[int, typer.Option(help="Project survival for this many periods after the data.")] = 5,
    renewals: Annotated[Optional[int], typer.Option(help="Renewals made by the customers DERL is computed for (default: the last observed period).")] = None,
    format_: Annotated[Optional[str], typer.Option("--format", help="table or json (default: table on a terminal, json when piped).")] = None,
) -> None:
    """Fit the sBG retention model: alpha, beta, projected survival, expected lifetime, DERL."""
    fmt = _fit_format(format_)
    result = api.fit_retention(
        file, model=model, period_col=period_col, alive_col=alive_col, cohort_col=cohort_col, delimiter=delimiter,
        header=header, discount_rate=discount_rate, periods_ahead=periods, renewals=renewals,
    )
    from segkit.writers.fits import render_retention

    _print_fit(result, fmt, render_retention)


def main(argv: list[str] | None = None) -> int:
    """Entry point: the single error boundary mapping errors to exit statuses."""
    args = list(sys.argv[1:] if argv is None else argv)
    # --traceback is accepted anywhere on the line, so it can be added to a failing command as is.
    show_traceback = "--traceback" in args
    args = [a for a in args if a != "--traceback"]
    try:
        status = app(args=args, prog_name="segkit", standalone_mode=False)
        # Outside standalone mode typer reports an exit (help, Ctrl-C) as a returned status.
        if isinstance(status, int) and status == ExitStatus.INTERRUPTED:
            _error("interrupted")
        return status if isinstance(status, int) else ExitStatus.SUCCESS
    except SegkitError as exc:
        if show_traceback:
            traceback.print_exc()
        _error(str(exc))
        return exc.exit_status
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        _error("interrupted")
        return ExitStatus.INTERRUPTED
    except ClickException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            return ExitStatus.USAGE  # help was printed already
        if show_traceback:
            traceback.print_exc()
        _error(exc.format_message().replace("\n", " "))
        return ExitStatus.USAGE
    except KeyboardInterrupt:
        _error("interrupted")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        # The reader of our stdout went away (``| head``): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitStatus.SUCCESS
    except Exception as exc:  # noqa: BLE001 - the boundary: anything else is a bug
        if show_traceback:
            traceback.print_exc()
        _error(
            f"unexpected error (a bug in segkit, please report it): {type(exc).__name__}: {exc}"
            + ("" if show_traceback else "; rerun with --traceback for details")
        )
        return ExitStatus.UNEXPECTED


def _error(message: str) -> None:
    sys.stderr.write(f"segkit: error: {message}\n")
    sys.stderr.flush()


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()

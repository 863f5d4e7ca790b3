"""What the commands print: formats, the validation and convert summaries, the registry and ICP
tables, and the model-fit results. Everything writes through the invocation's Environment."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from segkit.cli.environment import Environment
from segkit.errors import UsageError

if TYPE_CHECKING:  # segkit.report imports pandas: not at start-up (``segkit --help``)
    from segkit.report import Report


def choose_format(requested: str | None, env: Environment) -> str:
    """Explicit --format wins; otherwise a table on a terminal and JSON when piped."""
    if requested:
        return requested
    return "table" if env.stdout_is_tty else "json"


def table_or_json(requested: str | None, env: Environment, command: str) -> str:
    fmt = choose_format(requested, env)
    if fmt not in ("table", "json"):
        raise UsageError(f"{command} prints --format table or json")
    return fmt


def write_json(env: Environment, value: object) -> None:
    from segkit.writers.json import dumps

    env.write(dumps(value))


def emit(report: Report, fmt: str, env: Environment, *, columns: Sequence[str] = (), wide: bool = False) -> None:
    """The report on stdout in one writer's format (the table fitted to the terminal's width)."""
    from segkit.writers import get_writer
    from segkit.writers.table import TableWriter

    writer = get_writer(fmt)
    if isinstance(writer, TableWriter):
        writer = TableWriter(width=env.width, color=bool(env.colour), columns=columns, wide=wide)
    content = writer.render(report)
    if isinstance(content, bytes):
        if env.stdout_is_tty:
            raise UsageError(f"--format {fmt} is binary; redirect stdout to a file or a pipe")
        env.write_bytes(content)
    else:
        env.write(content)


def _validation_file(item: dict[str, Any]) -> list[str]:
    lines = [item["file"]]
    if "error" in item:
        return lines + [f"  ERROR: {item['error']}", ""]
    lines.append(f"  {item['table']}: {item['described_as']} (preset {item['preset']})")
    lines.append(f"  columns: {', '.join(f'{k} <- {v}' for k, v in item['columns'].items())}")
    flag = "  TOO MANY (more than --max-rejected)" if item["over_max_rejected"] else ""
    skipped = item.get("header_rows_skipped")
    lines.append(
        f"  rows: read {item['rows_read']:,}, usable {item['rows_used']:,}, rejected {item['rows_rejected']:,}{flag}"
        f" (cells set to null: {item['cells_rejected']:,})"
        + (f", header rows after the column names skipped: {skipped}" if skipped else "")
    )
    after = item.get("rows_after_as_of")
    if after:
        lines.append(f"  rows dated after as-of (excluded, not rejected): {after:,}")
    for reason in item["top_rejection_reasons"]:
        lines.append(f"    {reason['rows']:,} x {reason['reason']}")
    dates = item["date_range"]
    lines.append(f"  dates: {dates[0]} to {dates[1]}" if dates else "  dates: none")
    for metric, need in item["missing_for_metrics"].items():
        lines.append(f"  missing for {metric}: {need}")
    for note in item["notes"]:
        lines.append(f"  note: {note}")
    lines.append("")
    return lines


def render_validation(summary: dict[str, Any]) -> str:
    """The per-file text of ``segkit validate``."""
    lines = [line for item in summary["files"] for line in _validation_file(item)]
    if summary["missing_for_metrics"]:
        lines.append("metrics that cannot be computed from these files:")
        for metric, missing in summary["missing_for_metrics"].items():
            lines.append(f"  {metric}: needs {missing}")
    lines.append("ok" if summary["ok"] else "problems found: see ERROR and TOO MANY above")
    return "\n".join(lines) + "\n"


def _after_as_of(stats: dict[str, Any]) -> str:
    after = stats.get("rows_after_as_of")
    return f", after as-of {after:,}" if after else ""


def render_convert(summary: dict[str, Any]) -> str:
    """The one-line account of ``segkit convert``, then its rejection reasons."""
    st = summary["input"]
    lines = [
        f"{summary['table']}: read {st['rows_read']:,}, used {st['rows_used']:,}, rejected {st['rows_rejected']:,}"
        f"{_after_as_of(st)}; "
        f"wrote {summary['rows_written']:,} rows to {summary['out']}\n"
    ]
    lines.extend(f"  {reason['rows']:,} x {reason['reason']}\n" for reason in st["top_rejection_reasons"])
    return "".join(lines)


def print_segmenters(items: list[dict[str, Any]], env: Environment) -> None:
    from rich.table import Table

    table = Table(title="Segmenters", show_lines=True)
    table.add_column("Name", no_wrap=True)
    table.add_column("From")
    table.add_column("Parameters (default)")
    for item in items:
        params = "\n".join(f"{p}={spec['default']!r}: {spec['doc']}" for p, spec in item["parameters"].items())
        table.add_row(item["name"], item["origin"], f"{item['description']}\n{params}")
    env.console(width=None if env.stdout_is_tty else 160).print(table)


def print_plugins(items: list[dict[str, Any]], env: Environment) -> None:
    from rich.table import Table

    table = Table(title="Plugins")
    for name in ("Kind", "Name", "From", "Object", "Status"):
        table.add_column(name)
    for item in items:
        status = "ok" if item["ok"] else f"broken: {item['problem']}"
        table.add_row(item["kind"], item["name"], item["origin"], item["object_path"], status)
    env.console(width=None if env.stdout_is_tty else 160).print(table)


def print_icp(result: dict[str, Any], env: Environment) -> None:
    from rich.table import Table

    table = Table(title=f"Ideal customer profile: {result['icp_accounts']} ICP accounts of {result['all_accounts']}")
    for name in ("Attribute", "Value", "ICP", "ICP share", "All", "All share", "Lift", "q"):
        table.add_column(name, justify="right" if name not in ("Attribute", "Value") else "left")
    for row in result["over_indexed"]:
        table.add_row(
            row["attribute"], row["value"], f"{row['icp_accounts']:,}", f"{row['icp_share']:.0%}", f"{row['all_accounts']:,}",
            f"{row['all_share']:.0%}", f"{row['lift']:.2f}", f"{row['q_value']:.3f}" + (" *" if row["significant"] else ""),
        )
    console = env.console(width=None if env.stdout_is_tty else 160)
    console.print(table)
    console.print(result["definition"] + "; * = q < 0.05", markup=False)


def print_fit(result: dict[str, Any], fmt: str, render: Callable[[dict[str, Any]], str], env: Environment) -> None:
    """A ``segkit clv``/``retention`` result: warnings on stderr, then JSON or the text table."""
    for warning in result.get("warnings", []):
        env.info(f"warning: {warning}")
    if fmt == "json":
        from segkit.report import clean_json

        write_json(env, clean_json(result, 8))
        return
    env.write(render(result))

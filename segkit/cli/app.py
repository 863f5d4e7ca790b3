"""The typer application and its root options; commands register on it from ``commands/``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from segkit import __version__

app = typer.Typer(
    name="segkit",
    help="Customer segmentation for SaaS exports: per-segment conversion, churn and CLV.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


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

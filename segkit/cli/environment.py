"""The streams, colour and quiet flag of one CLI invocation (httpie's ``Environment``).

``segkit.cli.main`` makes one per call and hands it to the command through typer's context, so
nothing about one run (``--quiet``) leaks into the next one in the same process.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TextIO

import typer
from rich.console import Console

from segkit.errors import escape_control, one_line


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass
class Environment:
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    colour: bool | None = None  # None: colour when stdout is a terminal, NO_COLOR unset and TERM not dumb
    quiet: bool = False

    def __post_init__(self) -> None:
        if self.colour is None:
            self.colour = self.stdout_is_tty and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"

    @property
    def width(self) -> int:
        """The terminal's width; when stdout is not a terminal, ``$COLUMNS``, else 80."""
        if self.stdout_is_tty:
            try:
                return os.get_terminal_size(self.stdout.fileno()).columns
            except (OSError, ValueError, AttributeError):
                pass
        columns = os.environ.get("COLUMNS", "")
        return int(columns) if columns.isdigit() and int(columns) > 0 else 80

    @property
    def stdout_is_tty(self) -> bool:
        return _is_tty(self.stdout)

    @property
    def stderr_is_tty(self) -> bool:
        return _is_tty(self.stderr)

    def info(self, message: str) -> None:
        """A progress or warning line on stderr, unless quiet."""
        if not self.quiet:
            Console(file=self.stderr, highlight=False, soft_wrap=True, no_color=not self.colour).print(escape_control(message, keep_newlines=True), markup=False)

    def write(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def write_bytes(self, content: bytes) -> None:
        self.stdout.buffer.write(content)  # type: ignore[attr-defined]
        self.stdout.buffer.flush()  # type: ignore[attr-defined]

    def console(self, *, width: int | None = None) -> Console:
        """A rich console on stdout (tables)."""
        return Console(file=self.stdout, highlight=False, width=width, no_color=not self.colour)

    def error(self, message: str) -> None:
        self.stderr.write(f"segkit: error: {one_line(message)}\n")
        self.stderr.flush()


def environment(ctx: typer.Context) -> Environment:
    """The invocation's Environment (a default one when the app is called without ``main``)."""
    root = ctx.find_root()
    if not isinstance(root.obj, Environment):
        root.obj = Environment()
    return root.obj

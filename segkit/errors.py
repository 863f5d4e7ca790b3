"""Typed errors and exit statuses.

Library code raises these; the CLI's single error boundary (``segkit.cli``) turns each into a
one-line message on stderr and the exit status of SPEC section 5, so scripts can branch on it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable


class ExitStatus(enum.IntEnum):
    """Exit codes promised to scripts and cron jobs (SPEC section 5)."""

    SUCCESS = 0
    UNEXPECTED = 1
    USAGE = 2
    INPUT_DATA = 3
    FAIL_ON = 4  # --fail-on: a figure crossed its line (outputs written)
    LOCKED = 75  # --out DIR is locked by another run (EX_TEMPFAIL: retry later)
    INTERRUPTED = 130
    HANGUP = 129
    TERMINATED = 143


class SegkitError(Exception):
    """Base of every error segkit expects; the message is shown to the user as is."""

    exit_status: ExitStatus = ExitStatus.UNEXPECTED


class UsageError(SegkitError):
    """A bad option, option value or command-line combination."""

    exit_status = ExitStatus.USAGE


class ConfigError(UsageError):
    """A config file that cannot be read or does not follow the documented keys."""


class InputDataError(SegkitError):
    """An input that cannot be used: unreadable, missing a required column, too many bad rows."""

    exit_status = ExitStatus.INPUT_DATA

    def __init__(self, message: str, *, file: str | None = None) -> None:
        self.file = file
        super().__init__(f"{file}: {message}" if file else message)


class OutputError(SegkitError):
    """The output directory or a file in it cannot be written (a bad ``--out``: usage)."""

    exit_status = ExitStatus.USAGE


class OutDirLocked(SegkitError):
    """Another run holds the lock of ``--out DIR``: retry later (exit 75, EX_TEMPFAIL)."""

    exit_status = ExitStatus.LOCKED


class ThresholdCrossed(SegkitError):
    """A ``--fail-on`` condition held; the outputs were written first (exit 4)."""

    exit_status = ExitStatus.FAIL_ON


class Interrupted(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP arrived: the run stops, cleans up and exits 128 + the signal."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_status = 128 + signum
        super().__init__(signum)


#: Calls that stop work running outside Python (DuckDB's ``con.interrupt``) when a signal arrives.
_interrupt_hooks: list[Callable[[], object]] = []
_pending: list[Interrupted] = []


def on_interrupt(hook: Callable[[], object]) -> Callable[[], None]:
    """Register ``hook`` to run when a signal stops the run; returns the call that removes it."""
    _interrupt_hooks.append(hook)

    def remove() -> None:
        if hook in _interrupt_hooks:
            _interrupt_hooks.remove(hook)
    return remove


def interrupt(signum: int) -> Interrupted:
    """Record the signal, stop the registered work (each hook once) and return the error to raise."""
    error = Interrupted(signum)
    if not _pending:
        _pending.append(error)
    for hook in list(_interrupt_hooks):
        try:
            hook()
        except Exception:  # noqa: BLE001 - stopping is best effort; the exit status is what counts
            pass
    return _pending[0]


def pending_interrupt() -> Interrupted | None:
    """The signal that stopped this run, if one did (a library error raised on the way is not a bug)."""
    return _pending[0] if _pending else None


def clear_interrupt() -> None:
    """Forget a recorded signal (one CLI call is over)."""
    _pending.clear()


#: Longest message shown on stderr; the rest of a garbage header or value is clipped.
MAX_MESSAGE_CHARS = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_control(text: str, *, keep_newlines: bool = False) -> str:
    """Control characters as visible escapes (``\x1b``, ``\r``), so data cannot drive a terminal."""
    return _CONTROL.sub(lambda m: m.group() if keep_newlines and m.group() == "\n" else repr(m.group())[1:-1], text)


def one_line(message: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """A message for stderr: one line, control characters escaped, clipped to ``limit`` characters."""
    text = escape_control(str(message))
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text) - limit:,} more characters)"
    return text

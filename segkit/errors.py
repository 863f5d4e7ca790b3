"""Typed errors and exit statuses.

Library code raises these; the CLI's single error boundary (``segkit.cli``) turns each into a
one-line message on stderr and the exit status of SPEC section 5, so scripts can branch on it.
"""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    """Exit codes promised to scripts and cron jobs (SPEC section 5)."""

    SUCCESS = 0
    UNEXPECTED = 1
    USAGE = 2
    INPUT_DATA = 3
    FAIL_ON = 4  # --fail-on: a figure crossed its line (outputs written)
    LOCKED = 75  # --out DIR is locked by another run (EX_TEMPFAIL: retry later)
    INTERRUPTED = 130


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

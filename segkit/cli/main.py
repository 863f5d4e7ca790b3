"""The one error boundary: typed errors become one line on stderr and the exit status of SPEC
section 5; anything unexpected is reported as a bug (exit 1), with the traceback only under
``--traceback``. Each call gets its own ``Environment`` (streams, colour, quiet).
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
import warnings

import typer

import segkit.cli.commands  # noqa: F401 - registers every command on the app
from segkit.cli.app import app
from segkit.cli.environment import Environment
from segkit.signals import signal_handlers
from segkit.errors import ExitStatus, SegkitError, pending_interrupt

try:  # typer >= 0.20 vendors click; older versions use click itself
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import ClickException


def _stopped(env: Environment) -> int | None:
    """After a signal, the error it caused on the way out (a query cut short) is the signal."""
    stopped = pending_interrupt()
    if stopped is None:
        return None
    env.error(f"interrupted ({signal.Signals(stopped.signum).name})")
    return stopped.exit_status


def _bug(exc: Exception, env: Environment, show_traceback: bool) -> int:
    stopped = _stopped(env)
    if stopped is not None:
        return stopped
    if show_traceback:
        traceback.print_exc()
    env.error(
        f"unexpected error (a bug in segkit, please report it): {type(exc).__name__}: {exc}"
        + ("" if show_traceback else "; rerun with --traceback for details")
    )
    return ExitStatus.UNEXPECTED


def main(argv: list[str] | None = None, env: Environment | None = None) -> int:
    """Entry point: the single error boundary mapping errors to exit statuses."""
    env = env or Environment()
    # numpy's RuntimeWarnings (a mean of nothing, 0/0) are NaN figures the report already marks;
    # their dumps on stderr would break the one-line-per-problem promise to scripts.
    with signal_handlers(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            status = _main(argv, env)
        except KeyboardInterrupt:  # a signal between the boundary's lines
            status = ExitStatus.INTERRUPTED
        stopped = pending_interrupt()
        if stopped is not None and status != stopped.exit_status:
            # A signal after the boundary had its answer (or caught by typer): it is the signal.
            status = _stopped(env) or status
        return status


def _main(argv: list[str] | None, env: Environment) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    # --traceback is accepted anywhere on the line, so it can be added to a failing command as is.
    show_traceback = "--traceback" in args
    args = [a for a in args if a != "--traceback"]
    try:
        status = app(args=args, prog_name="segkit", standalone_mode=False, obj=env)
        # Outside standalone mode typer reports an exit (help, Ctrl-C) as a returned status.
        if isinstance(status, int) and status == ExitStatus.INTERRUPTED:
            stopped = _stopped(env)
            if stopped is not None:
                return stopped
            env.error("interrupted")
        return status if isinstance(status, int) else ExitStatus.SUCCESS
    except SegkitError as exc:
        stopped = _stopped(env)
        if stopped is not None:
            return stopped
        if show_traceback:
            traceback.print_exc()
        env.error(str(exc))
        return exc.exit_status
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        stopped = _stopped(env)
        if stopped is None:
            env.error("interrupted")
        return ExitStatus.INTERRUPTED if stopped is None else stopped
    except ClickException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            return ExitStatus.USAGE  # help was printed already
        if show_traceback:
            traceback.print_exc()
        env.error(exc.format_message().replace("\n", " "))
        return ExitStatus.USAGE
    except BrokenPipeError:
        # The reader of our stdout went away (``| head``): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitStatus.SUCCESS
    except Exception as exc:  # noqa: BLE001 - the boundary: anything else is a bug
        return _bug(exc, env, show_traceback)


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()

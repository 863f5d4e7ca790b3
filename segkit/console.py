"""The ``segkit`` console script: signal handlers first, then the commands.

``segkit.cli`` imports every command (pandas, DuckDB, scikit-learn); the first thing the script
does, before importing anything of segkit's, is to install a start-up handler: a SIGINT,
SIGTERM or SIGHUP while starting exits 128 + the signal at once with one line (nothing has been
written yet, so there is nothing to clean up). segkit's run handlers (``segkit.signals``) take
over once the commands are imported. A signal that arrives before Python runs this module at
all (interpreter start-up, a few milliseconds) meets the default action, which the shell
reports as 128 + the signal too.
"""

from __future__ import annotations

import gc
import os
import signal
import sys

#: The youngest generation is collected after this many new container objects (CPython's default
#: is 700): importing pandas, pyarrow, DuckDB and scipy.special allocates a few hundred thousand,
#: and ~300 collections were ~10% of a small run's CPU (issue #14 goal 4). Cyclic garbage waits a
#: little longer; nothing else changes.
GC_YOUNG_THRESHOLD = 10_000

#: The signals that stop segkit (as segkit.signals.STOP_SIGNALS, without importing it first).
_STARTUP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _exit_while_starting(signum: int, frame: object) -> None:
    """A signal before the run handlers are in place: one line, exit 128 + the signal, now."""
    os.write(2, f"segkit: error: interrupted ({signal.Signals(signum).name})\n".encode())
    os._exit(128 + signum)


def run() -> None:
    """Install the start-up handler, import the CLI, install segkit's run handlers, run it."""
    for signum in _STARTUP_SIGNALS:
        signal.signal(signum, _exit_while_starting)
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)
    from segkit import signals

    try:
        from segkit.cli.main import main
    except KeyboardInterrupt as exc:  # a signal while importing the commands (run handlers of a caller)
        name = signal.Signals(getattr(exc, "signum", signal.SIGINT)).name
        sys.stderr.write(f"segkit: error: interrupted ({name})\n")
        sys.exit(getattr(exc, "exit_status", 130))
    signals.install()
    sys.exit(main())

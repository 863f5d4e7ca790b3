"""The ``segkit`` console script: signal handlers first, then the commands.

``segkit.cli`` imports every command (pandas, DuckDB, scikit-learn); installing the handlers
before that means a signal while starting up exits 128 + the signal too, and cleanly.
"""

from __future__ import annotations

import sys


def run() -> None:
    """Install segkit's SIGINT/SIGTERM/SIGHUP handlers, import the CLI, run it."""
    from segkit import signals

    signals.install()
    try:
        from segkit.cli.main import main
    except KeyboardInterrupt as exc:  # a signal while importing the commands
        name = signals.signal.Signals(getattr(exc, "signum", signals.signal.SIGINT)).name
        sys.stderr.write(f"segkit: error: interrupted ({name})\n")
        sys.exit(getattr(exc, "exit_status", 130))
    sys.exit(main())

"""The command line: parse options, call ``segkit.api``, print. Nothing else lives here.

``app`` (typer) and its root options are in ``app.py``, the commands in ``commands/``, shared
option groups in ``options.py``, what they print in ``render.py``, and ``main`` (the one error
boundary) in ``main.py``. ``segkit.cli:run`` is the console script.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["Environment", "app", "main", "run"]


def run() -> None:
    """The console script: signal handlers first, so a signal while importing exits cleanly too."""
    from segkit.cli import signals

    signals.install()
    try:
        from segkit.cli.main import main
    except KeyboardInterrupt as exc:  # a signal while importing the commands
        name = signals.signal.Signals(getattr(exc, "signum", signals.signal.SIGINT)).name
        sys.stderr.write(f"segkit: error: interrupted ({name})\n")
        sys.exit(getattr(exc, "exit_status", 130))
    sys.exit(main())


def __getattr__(name: str) -> Any:
    """``app``, ``Environment`` and ``main`` on first use: the console script starts light."""
    if name == "app":
        from segkit.cli.app import app
        return app
    if name == "Environment":
        from segkit.cli.environment import Environment
        return Environment
    if name == "main":
        from segkit.cli.main import main
        return main
    raise AttributeError(name)

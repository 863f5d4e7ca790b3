"""The command line: parse options, call ``segkit.api``, print. Nothing else lives here.

``app`` (typer) and its root options are in ``app.py``, the commands in ``commands/``, shared
option groups in ``options.py``, what they print in ``render.py``, and ``main`` (the one error
boundary) in ``main.py``. ``segkit.cli:run`` is the console script.
"""

from segkit.cli.app import app
from segkit.cli.environment import Environment
from segkit.cli.main import main, run

__all__ = ["Environment", "app", "main", "run"]

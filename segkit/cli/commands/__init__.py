"""One module per command (or small group); importing this package registers them all on the app,
in the order ``segkit --help`` lists them.

The ``segkit plugins`` command (``segkit.plugins``) joins here as ``commands/plugins.py``.
"""

# isort: off
from segkit.cli.commands import segment, validate, convert, init, registry, sample, icp, fits

__all__ = ["convert", "fits", "icp", "init", "registry", "sample", "segment", "validate"]

"""One module per command (or small group); importing this package registers them all on the app,
in the order ``segkit --help`` lists them.
"""

# isort: off
from segkit.cli.commands import segment, validate, convert, init, registry, plugins, sample, icp, fits, diff

__all__ = ["convert", "diff", "fits", "icp", "init", "plugins", "registry", "sample", "segment", "validate"]

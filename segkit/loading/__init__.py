"""Stage 1, load and validate: exports -> canonical tables, every row used or rejected."""

from segkit.loading import presets_vendor  # noqa: F401  (registers the built-in vendor presets)
from segkit.loading.loader import EventInput, Inputs, InputStats, LoadOptions, Rejections, load_inputs

__all__ = ["EventInput", "InputStats", "Inputs", "LoadOptions", "Rejections", "load_inputs"]

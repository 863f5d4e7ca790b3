"""Stage 1, load and validate: exports -> canonical tables, every row used or rejected."""

from segkit.loading.loader import load_inputs
from segkit.loading.model import EventFile, EventInput, Inputs, InputStats, LoadOptions, Rejections

__all__ = ["EventFile", "EventInput", "InputStats", "Inputs", "LoadOptions", "Rejections", "load_inputs"]

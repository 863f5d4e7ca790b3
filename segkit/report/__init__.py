"""Stage 5: the result of a run. ``Report`` (model.py) is the only thing writers read; the
builder (builder.py) assembles report.json's data from the typed parts of parts.py."""

from segkit.report.model import DEFAULT_FLOAT_PRECISION, SCHEMA_VERSION, Report, clean_json

__all__ = ["DEFAULT_FLOAT_PRECISION", "SCHEMA_VERSION", "Report", "clean_json"]

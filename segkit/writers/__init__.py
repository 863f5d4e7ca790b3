"""Stage 5, writers: one file per format, registered by format name."""

from segkit.writers import (  # noqa: F401 - importing registers the writers
    csv_writer,
    html_writer,
    json_writer,
    markdown_writer,
    parquet_writer,
    table_writer,
)
from segkit.writers.base import Writer, formats, get_writer, register_writer
from segkit.writers.outdir import write_outputs

__all__ = ["Writer", "formats", "get_writer", "register_writer", "write_outputs"]

"""Stage 6, writers: one file per format, registered by format name in the ``segkit.writers``
entry-point group (the built-ins exactly like outside plugins). Writers read only the Report."""

from segkit.writers.base import ENTRY_POINT_GROUP, Writer, formats, get_writer, register_writer, writer_warnings, writers
from segkit.writers.outdir import output_files, write_outputs

__all__ = ["ENTRY_POINT_GROUP", "Writer", "formats", "get_writer", "output_files", "register_writer", "write_outputs", "writer_warnings", "writers"]

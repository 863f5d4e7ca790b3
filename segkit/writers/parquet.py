"""Parquet of the segment rows (for stdout piping into other tools); assignments go to --out."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq

from segkit.report import Report
from segkit.writers.base import Writer
from segkit.writers.csv import flatten_rows


def parquet_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


class ParquetWriter(Writer):
    format = "parquet"
    binary = True
    also_writes = ("assignments.parquet",)

    def render(self, report: Report) -> bytes:
        precision = report.data.get("parameters", {}).get("float_precision", 6)
        frame = flatten_rows(report.segment_rows(), precision)
        return parquet_bytes(pa.Table.from_pandas(frame, preserve_index=False))

    def extra_files(self, report: Report) -> dict[str, bytes]:
        return {"assignments.parquet": parquet_bytes(pa.Table.from_pandas(report.assignments, preserve_index=False))}

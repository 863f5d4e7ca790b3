"""``--out DIR``: every output file, written atomically as a set.

All files are first written to temporary names in DIR (same filesystem), flushed and fsynced;
only when every one is complete are they renamed over the previous outputs. A failed or
interrupted run leaves the previous outputs intact and no temporary files behind.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa

from segkit.errors import OutputError
from segkit.report import Report
from segkit.writers.base import get_writer
from segkit.writers.csv_writer import cohorts_csv, frame_to_csv
from segkit.writers.parquet_writer import parquet_bytes

OUTPUT_FILES = (
    "report.json", "segments.csv", "assignments.parquet", "assignments.csv", "rejected.csv", "report.html", "run.json",
    "cohorts.csv",
)


def render_outputs(report: Report) -> dict[str, bytes]:
    """File name -> content: everything --out writes, in memory first."""
    files: dict[str, bytes] = {}
    for fmt in ("json", "csv", "html"):
        writer = get_writer(fmt)
        content = writer.render(report)
        files[writer.filename] = content if isinstance(content, bytes) else content.encode("utf-8")
    assignments = report.assignments
    files["assignments.parquet"] = parquet_bytes(pa.Table.from_pandas(assignments, preserve_index=False))
    files["assignments.csv"] = frame_to_csv(assignments).encode("utf-8")
    files["rejected.csv"] = frame_to_csv(report.rejected).encode("utf-8")
    files["cohorts.csv"] = cohorts_csv(report).encode("utf-8")
    files["run.json"] = (json.dumps(report.run, sort_keys=True, indent=2, default=str) + "\n").encode("utf-8")
    return files


def write_outputs(report: Report, out_dir: Path) -> list[Path]:
    """Write all output files atomically; returns their paths."""
    files = render_outputs(report)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the output directory ({exc.strerror or exc})") from None
    temps: list[tuple[Path, Path]] = []
    try:
        for name, content in files.items():
            target = out_dir / name
            temp = out_dir / f".{name}.tmp-{os.getpid()}"
            temps.append((temp, target))
            with open(temp, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        for temp, target in temps:
            os.replace(temp, target)
        _fsync_dir(out_dir)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write the outputs ({exc.strerror or exc})") from None
    finally:
        for temp, _ in temps:
            if temp.exists():
                temp.unlink()
    return [out_dir / name for name in files]


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

"""``--out DIR``: every output file, written atomically as a set.

All files are first written to temporary names in DIR (same filesystem), flushed and fsynced;
only when every one is complete are they renamed over the previous outputs. A failed or
interrupted run leaves the previous outputs intact and no temporary files behind.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from segkit.errors import OutputError
from segkit.report import Report
from segkit.writers.base import Writer, writers

RUN_RECORD = "run.json"  # timings and versions: written by every run, not a format


def _file_writers() -> list[Writer]:
    """The registered writers that put files in --out DIR, in format order."""
    found = writers()
    return [found[name]() for name in sorted(found) if found[name].filename or found[name].also_writes]


def output_files() -> tuple[str, ...]:
    """Every file --out DIR gets: each writer's declared files, then run.json."""
    names: list[str] = []
    for writer in _file_writers():
        names += ([writer.filename] if writer.filename else []) + list(writer.also_writes)
    return (*names, RUN_RECORD)


def _encode(content: str | bytes) -> bytes:
    return content if isinstance(content, bytes) else content.encode("utf-8")


def render_outputs(report: Report) -> dict[str, bytes]:
    """File name -> content: everything --out writes, in memory first."""
    files: dict[str, bytes] = {}
    for writer in _file_writers():
        if writer.filename:
            files[writer.filename] = _encode(writer.render(report))
        extra = writer.extra_files(report)
        if set(extra) != set(writer.also_writes):
            raise OutputError(f"writer {writer.format!r} declared {sorted(writer.also_writes)} but rendered {sorted(extra)}")
        files.update(extra)
    files[RUN_RECORD] = (json.dumps(report.run, sort_keys=True, indent=2, default=str) + "\n").encode("utf-8")
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

"""``--out DIR``: every output file, rendered in memory, then published as one set.

The set is written into a fresh folder of DIR's history and swapped in with one rename
(``rundir.py``, docs/nightly.md): a failed or killed run leaves the previous set whole.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from segkit.errors import OutputError
from segkit.report import Report
from segkit.writers.base import Writer, writers
from segkit.writers.rundir import ACCOUNTS, DEFAULT_KEEP, MANIFEST, locked, publish

RUN_RECORD = "run.json"  # timings and versions: written by every run, not a format
CHANGES = "changes.json"  # what changed since the previous run in DIR (issue 12); not a function of the inputs


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


def history_files(report: Report, manifest: dict[str, Any] | None) -> dict[str, bytes]:
    """What the history keeps besides the outputs: the manifest and the per-account facts for diffs."""
    kept: dict[str, bytes] = {}
    if manifest is not None:
        kept[MANIFEST] = (json.dumps(manifest, sort_keys=True, indent=2, default=str) + "\n").encode("utf-8")
    if report.account_facts is not None:
        buffer = io.BytesIO()
        report.account_facts.to_parquet(buffer, index=False)
        kept[ACCOUNTS] = buffer.getvalue()
    return kept


def write_outputs(report: Report, out_dir: Path, *, keep: int = DEFAULT_KEEP, manifest: dict[str, Any] | None = None,
                  history: Path | None = None) -> list[Path]:
    """Write every output file and swap DIR to them as one set; returns their paths.

    ``history`` is the history folder when the caller already holds DIR's lock (``rundir.locked``);
    otherwise the lock is taken for the write.
    """
    files = render_outputs(report)
    if report.changes is not None:
        files[CHANGES] = (json.dumps(report.changes, sort_keys=True, indent=2) + "\n").encode("utf-8")
    kept = history_files(report, manifest)
    names = (*output_files(), CHANGES)
    if history is None:
        with locked(out_dir) as held:
            return publish(out_dir, held, files, kept, keep, names)
    return publish(out_dir, history, files, kept, keep, names)

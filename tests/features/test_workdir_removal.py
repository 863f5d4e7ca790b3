"""The DuckDB engine's work directory is removed even when a signal lands while it is removed.

segkit's signal handler raises at the next Python instruction, which can be inside ``rmtree``; the
directory was then left behind (seen once in tests/cli/test_signals.py under load, after the
text runs got faster and the 0.5 s pause reached the engine's close).
"""

from __future__ import annotations

import signal
import tempfile
from pathlib import Path

import pytest

from segkit.errors import Interrupted
from segkit.features.events.duckdb_files import remove_workdir


class _SignalledWhileRemoving(tempfile.TemporaryDirectory):
    """A work directory whose removal is stopped by a signal after its first file."""

    def cleanup(self) -> None:
        self._finalizer.detach()  # as TemporaryDirectory.cleanup does first
        next(Path(self.name).iterdir()).unlink()
        raise Interrupted(signal.SIGINT)


def test_a_signal_during_the_removal_still_removes_the_directory(tmp_path: Path) -> None:
    workdir = _SignalledWhileRemoving(dir=tmp_path)
    for name in ("events.duckdb", "events.duckdb.wal"):
        (Path(workdir.name) / name).write_bytes(b"x")
    (Path(workdir.name) / "spill").mkdir()
    with pytest.raises(Interrupted):
        remove_workdir(workdir)
    assert list(tmp_path.iterdir()) == []


def test_a_plain_removal_removes_the_directory(tmp_path: Path) -> None:
    workdir = tempfile.TemporaryDirectory(dir=tmp_path)
    (Path(workdir.name) / "events.duckdb").write_bytes(b"x")
    remove_workdir(workdir)
    assert list(tmp_path.iterdir()) == []

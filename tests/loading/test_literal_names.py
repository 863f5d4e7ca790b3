"""File and folder names with glob or LIKE characters are read literally by the event engine (issue 12 item 7).

``*``, ``?``, ``[``, ``%``, ``_`` and ``\\`` in an existing path name that file: a decoy beside it
that the name would match as a pattern (``ev1.csv`` for ``ev[1].csv``) is never read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

NAMES = ["ev[1]", "ev*1", "ev?1", "ev%_1", "ev\\1"]
ROW = {"account_id": "A1", "event": "login", "timestamp": "2024-01-02T00:00:00Z"}


def _write(path: Path, rows: int) -> None:
    if path.suffix == ".csv":
        path.write_text("account_id,event,timestamp\n" + "A1,login,2024-01-02T00:00:00Z\n" * rows)
    elif path.suffix == ".jsonl":
        path.write_text((json.dumps(ROW) + "\n") * rows)
    else:
        table = pa.table({"account_id": ["A1"] * rows, "event": ["login"] * rows,
                          "timestamp": pa.array([1704153600000000] * rows, pa.timestamp("us", tz="UTC"))})
        pq.write_table(table, path)


def _rows_read(run_cli, tmp_path: Path, events: Path) -> tuple[int, list[str]]:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id\nA1\n")
    result = run_cli("validate", accounts, events)
    assert result.code == 0, result.err
    info = json.loads(result.out)["inputs"]["events"]
    return info["rows_read"], [Path(f).name for f in info["files"]]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
@pytest.mark.parametrize("name", NAMES)
def test_a_file_name_with_pattern_characters_is_that_file(run_cli, tmp_path: Path, name: str, suffix: str) -> None:
    _write(tmp_path / f"{name}{suffix}", 1)
    for decoy in ("ev1", "evx1", "ev%a1", "ev11"):
        _write(tmp_path / f"{decoy}{suffix}", 3)  # what the name matches as a glob or LIKE pattern
    assert _rows_read(run_cli, tmp_path, tmp_path / f"{name}{suffix}") == (1, [f"{name}{suffix}"])


@pytest.mark.parametrize("name", ["events[1]", "ev%_\\1"])
def test_a_folder_name_with_pattern_characters_is_that_folder(run_cli, tmp_path: Path, name: str) -> None:
    folder = tmp_path / name
    folder.mkdir()
    _write(folder / "part-0.parquet", 1)
    _write(folder / "part-1.parquet", 1)
    decoy = tmp_path / "events1"
    decoy.mkdir()
    _write(decoy / "part-0.parquet", 5)
    rows, files = _rows_read(run_cli, tmp_path, folder)
    assert rows == 2 and files == ["part-0.parquet", "part-1.parquet"]

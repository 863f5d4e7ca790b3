"""Folders, globs and hive-partitioned folders as inputs (issue 11 item 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ACCOUNTS = "account_id,started_at,mrr\nA1,2024-01-01,10\nA2,2024-01-01,20\n"


def _accounts(directory: Path) -> Path:
    path = directory / "accounts.csv"
    path.write_text("account_id,name\nA1,One\nA2,Two\n")
    return path


def test_a_literal_path_with_brackets_is_that_file_not_a_pattern(run_cli, tmp_path: Path) -> None:
    accounts = _accounts(tmp_path)
    (tmp_path / "ev[1].jsonl").write_text('{"account_id":"A1","event":"login","timestamp":"2024-01-02T00:00:00Z"}\n')
    (tmp_path / "ev1.jsonl").write_text(
        '{"account_id":"A2","event":"x","timestamp":"2024-01-02T00:00:00Z"}\n' * 5
    )
    report = json.loads(run_cli("validate", accounts, tmp_path / "ev[1].jsonl").out)
    events = [f for f in report["files"] if f.get("table") == "events"]
    assert [Path(f["file"]).name for f in events] == ["ev[1].jsonl"]
    assert events[0]["rows_read"] == 1


def test_a_glob_is_expanded_sorted_and_every_file_listed(run_cli, tmp_path: Path) -> None:
    accounts = _accounts(tmp_path)
    for day in (2, 1):
        (tmp_path / f"events-{day}.jsonl").write_text(
            f'{{"account_id":"A1","event":"login","timestamp":"2024-01-0{day}T00:00:00Z"}}\n'
        )
    report = json.loads(run_cli("validate", accounts, str(tmp_path / "events-*.jsonl")).out)
    assert [Path(f) .name for f in report["inputs"]["events"]["files"]] == ["events-1.jsonl", "events-2.jsonl"]
    assert report["inputs"]["events"]["rows_read"] == 2


def test_a_hive_partitioned_folder_is_one_input_with_its_partition_column(run_cli, tmp_path: Path) -> None:
    accounts = _accounts(tmp_path)
    for day in ("2024-01-01", "2024-01-02"):
        folder = tmp_path / "events" / f"day={day}"
        folder.mkdir(parents=True)
        table = pa.table({"account_id": ["A1", "A2"], "event": ["login", "export"]})
        pq.write_table(table, folder / "part-0.parquet")
    (tmp_path / "events" / "_SUCCESS").write_text("")
    config = tmp_path / "segkit.toml"
    config.write_text('[inputs.events]\nfiles = ["events"]\n[inputs.events.columns]\ntimestamp = "day"\n')
    report = json.loads(run_cli("validate", accounts, "--config", config).out)
    events = report["inputs"]["events"]
    assert len(events["files"]) == 2 and events["rows_read"] == 4 and events["columns"]["timestamp"] == "day"


def test_a_pattern_matching_nothing_is_exit_3(run_cli, tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "nothing-*.csv"))
    assert result.code == 3 and "no file matches this pattern" in result.err

"""``segkit validate`` counts events with the engine ``--engine`` names (loading imports no engine)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from segkit.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_validate_names_an_unknown_engine_and_lists_the_registered_ones(tmp_path: Path, capsys) -> None:
    shutil.copy(FIXTURES / "mixpanel.jsonl", tmp_path / "mixpanel.jsonl")
    code, _, err = run(capsys, "validate", tmp_path / "mixpanel.jsonl", "--engine", "nope", "--format", "json")
    assert code == 2
    assert "unknown --engine 'nope'; choose one of: " in err and "duckdb" in err and "spark" in err


def test_validate_counts_events_with_the_named_engine(tmp_path: Path, capsys) -> None:
    shutil.copy(FIXTURES / "mixpanel.jsonl", tmp_path / "mixpanel.jsonl")
    code, out, err = run(capsys, "validate", tmp_path / "mixpanel.jsonl", "--engine", "duckdb", "--format", "json",
                         "--max-rejected", "0.5")
    assert code == 0, err
    (events,) = [f for f in json.loads(out)["files"] if f["table"] == "events"]
    assert events["rows_read"] == 4 and events["rows_rejected"] == 1

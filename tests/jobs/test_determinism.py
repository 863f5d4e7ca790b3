"""Same inputs and options give byte-identical outputs (only run.json may differ)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SAMPLES_CONFIG


def test_two_runs_write_identical_files(run_cli, tmp_path: Path):
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        result = run_cli("segment", "--config", SAMPLES_CONFIG, "--by", "firmographic,geographic,value", "--out", out, "--format", "json", "--quiet")
        assert result.code == 0, result.err
    for path in sorted(first.iterdir()):
        if path.name == "run.json" or path.name.startswith(".segkit"):  # run.json: timings; the lock and history
            continue
        assert path.read_bytes() == (second / path.name).read_bytes(), f"{path.name} differs between identical runs"


def test_stdout_json_is_identical_across_runs(run_cli):
    outputs = {run_cli("segment", "--config", SAMPLES_CONFIG, "--format", "json", "--quiet").out for _ in range(2)}
    assert len(outputs) == 1

"""Writers: spreadsheet-safe CSV, atomic output directory."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from segkit import api
from segkit.errors import OutputError
from segkit.writers.csv import escape_text_cells, frame_to_csv
from tests.conftest import SAMPLES_CONFIG


def test_text_cells_that_start_a_formula_are_escaped_numbers_are_not():
    frame = pd.DataFrame({"segment": ["=HYPERLINK(1)", "+1", "-x", "@sum", "\tx", "plain"], "value": [-0.05, 1.0, -2.0, 3.0, 4.0, 5.0]})
    escaped = escape_text_cells(frame)
    assert escaped["segment"].tolist() == ["'=HYPERLINK(1)", "'+1", "'-x", "'@sum", "'\tx", "plain"]
    assert escaped["value"].tolist() == [-0.05, 1.0, -2.0, 3.0, 4.0, 5.0]
    assert "-0.05" in frame_to_csv(frame)


@pytest.fixture(scope="module")
def report():
    return api.segment(config=SAMPLES_CONFIG, by=["firmographic"])


def test_a_failed_write_leaves_the_previous_outputs_intact(report, tmp_path: Path, monkeypatch):
    from segkit.writers import rundir

    api.write_outputs(report, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    history_before = sorted(p.name for p in (tmp_path / rundir.HISTORY_NAME).iterdir())
    changed = api.segment(config=SAMPLES_CONFIG, by=["value"])
    original = rundir._write_new
    written = {"n": 0}

    def failing_on_the_fourth_file(path, content):
        written["n"] += 1
        if written["n"] == 4:
            raise OSError(28, "No space left on device")
        return original(path, content)

    monkeypatch.setattr(rundir, "_write_new", failing_on_the_fourth_file)
    with pytest.raises(OutputError, match="No space left on device"):
        api.write_outputs(changed, tmp_path)
    monkeypatch.undo()
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before  # nothing replaced
    with rundir.locked(tmp_path):  # the next run removes the unfinished folder
        pass
    assert sorted(p.name for p in (tmp_path / rundir.HISTORY_NAME).iterdir()) == history_before


def test_report_json_is_sorted_and_has_no_nan(report):
    from segkit.writers import get_writer

    text = get_writer("json").render(report)
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    assert list(data) == sorted(data)

"""JSON Lines rejected rows are listed at their physical line, blank lines included, whether or not
another line is not JSON, through ``segkit segment`` on files (issue 14: a faster read by DuckDB's
JSON reader was tried and reverted; it skips blank lines and renders numbers differently)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

GOOD = '{{"account_id": "a{a}", "event": "e{e}", "timestamp": "2025-06-{d:02d}T00:00:00Z"}}'


def _lines() -> list[str]:
    lines = [GOOD.format(a=n % 5, e=n % 3, d=1 + n % 28) for n in range(400)]
    lines[9] = ""  # line 10: blank (not a row)
    lines[10] = "   "  # line 11: blank
    lines[249] = '{"account_id": "", "event": "e1", "timestamp": "2025-06-02T00:00:00Z"}'  # line 250
    lines[299] = '{"account_id": "a1", "event": "e1", "timestamp": "garbage"}'  # line 300
    lines[349] = '{"account_id": "a2", "event": null, "timestamp": "2025-06-03T00:00:00Z"}'  # line 350
    return lines


def _segment(run_cli, tmp_path: Path, lines: list[str]) -> tuple[dict, list[tuple[int, str, str]]]:
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id\n" + "".join(f"a{i}\n" for i in range(5)))
    out = tmp_path / "out"
    result = run_cli("segment", "--events", events, "--accounts", accounts, "--by", "behavioral",
                     "--as-of", "2025-06-30", "--out", out, "--min-segment-size", "0")
    assert result.code == 0, result.err
    with open(out / "rejected.csv", newline="", encoding="utf-8") as handle:
        rows = [(int(r["line"]), r["column"], r["reason"]) for r in csv.DictReader(handle) if r["table"] == "events"]
    return json.loads((out / "report.json").read_text())["inputs"]["events"], rows


EXPECTED = [
    (250, "account_id", "no account id (and no user -> account mapping)"),
    (300, "timestamp", "timestamp missing or not a date/time"),
    (350, "event", "missing event name"),
]


@pytest.mark.parametrize("bad_line", [False, True], ids=["all-json", "one-line-not-json"])
def test_line_numbers_are_physical_lines_either_way(run_cli, tmp_path: Path, bad_line: bool) -> None:
    lines = _lines()
    if bad_line:
        lines[379] = '{"account_id": "a1", "event": '  # line 380: not JSON
    info, rows = _segment(run_cli, tmp_path, lines)
    expected = EXPECTED + ([(380, "", "line is not valid JSON")] if bad_line else [])
    assert rows == expected
    assert info["rows_read"] == 398  # 400 lines, two blank
    assert info["rows_rejected"] == 3 + bad_line
    assert info["rows_used"] == 395 - bad_line

"""Rejected event rows keep their exact lines in files big enough for DuckDB to parse in parallel.

``scan_rows`` numbers a text file's rows by their rowid (stored in file order) rather than a
``row_number()`` window (issue 14: the window ran the whole parse on one thread). Small files are
read by one thread anyway, so this test writes a CSV and a JSON Lines file of ~50 MB each (several
of DuckDB's parallel CSV ranges), with bad rows of every kind at seeded random lines, and checks
every listed line against the line Python wrote it on, through ``segkit segment`` on both files.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

ROWS = 1_000_000
ACCOUNTS = 50
NO_ACCOUNT = "no account id (and no user -> account mapping)"
BAD_TIME = "timestamp missing or not a date/time"
FIELDS = "CSV row has the wrong number of fields"
UTF8 = "line is not valid UTF-8"
NOT_JSON = "line is not valid JSON"


def _good(n: int) -> tuple[str, str, str]:
    return f"a{n % ACCOUNTS}", f"e{n % 7}", f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:00Z"


def _write_csv(path: Path, bad: dict[int, tuple[bytes, str | None]]) -> None:
    with open(path, "wb") as out:
        out.write(b"account_id,event,timestamp\n")  # line 1
        for n in range(ROWS):
            line = n + 2
            if line in bad:
                out.write(bad[line][0] + b"\n")
            else:
                out.write(",".join(_good(n)).encode() + b"\n")


def _write_jsonl(path: Path, bad: dict[int, tuple[bytes, str | None]]) -> None:
    with open(path, "wb") as out:
        for n in range(ROWS):
            line = n + 1
            if line in bad:
                out.write(bad[line][0] + b"\n")
            else:
                account, event, ts = _good(n)
                out.write(f'{{"account_id":"{account}","event":"{event}","timestamp":"{ts}"}}\n'.encode())


def _bad_lines(rng: random.Random, first: int, kinds: list[tuple[bytes, str | None]]) -> dict[int, tuple[bytes, str | None]]:
    """Each kind at 12 random lines (spread over the whole file, some adjacent)."""
    lines = rng.sample(range(first, first + ROWS), 12 * len(kinds))
    lines[1] = lines[0] + 1  # two bad rows in a row
    return {line: kinds[i % len(kinds)] for i, line in enumerate(dict.fromkeys(lines))}


@pytest.mark.slow
def test_every_rejected_line_is_the_line_it_was_written_on(run_cli, tmp_path: Path) -> None:
    rng = random.Random(14)
    csv_bad = _bad_lines(rng, 2, [
        (b"a1,e1,2025-01-01T00:00:00Z,extra", FIELDS),
        (b"a\xff\xfe1,e1,2025-01-01T00:00:00Z", UTF8),
        (b"a1,e1,not a time", BAD_TIME),
        (b",e1,2025-01-01T00:00:00Z", NO_ACCOUNT),
    ])
    jsonl_bad = _bad_lines(rng, 1, [
        (b"", None),  # blank: not a row, not rejected, but counted as a line
        (b'{"account_id": "a1", "event": ', NOT_JSON),
        (b'{"account_id": "a\xff", "event": "e1", "timestamp": "2025-01-01T00:00:00Z"}', UTF8),
        (b'{"account_id": "a2", "event": "e2", "timestamp": "garbage"}', BAD_TIME),
        (b'{"account_id": "", "event": "e2", "timestamp": "2025-01-01T00:00:00Z"}', NO_ACCOUNT),
    ])
    _write_csv(tmp_path / "events.csv", csv_bad)
    _write_jsonl(tmp_path / "events.jsonl", jsonl_bad)
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id\n" + "".join(f"a{i}\n" for i in range(ACCOUNTS)), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("segment", "--events", tmp_path / "events.jsonl", "--events", tmp_path / "events.csv",
                     "--accounts", accounts, "--by", "behavioral", "--as-of", "2026-01-01", "--out", out,
                     "--min-segment-size", "0")
    assert result.code == 0, result.err
    with open(out / "rejected.csv", newline="", encoding="utf-8") as handle:
        listed = [(Path(r["file"]).name, int(r["line"]), r["reason"]) for r in csv.DictReader(handle) if r["table"] == "events"]
    expected = sorted(
        [("events.csv", line, reason) for line, (_, reason) in csv_bad.items()]
        + [("events.jsonl", line, reason) for line, (_, reason) in jsonl_bad.items() if reason]
    )
    assert sorted(listed) == expected

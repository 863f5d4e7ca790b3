"""One bad row in an event file is rejected with its file, line and reason; the rest is used.

Ragged CSV rows, JSON Lines lines that are not JSON, invalid UTF-8 on one line and unparseable
timestamps, through ``segkit segment`` on files (issue 11 item 7, issue 14). The bad rows sit
after the loader's header sample (64 KiB / 200 lines), where only the event engine sees them.

Each file is one DuckDB run below; the Spark engine reads all of them in one run (Spark's
start-up and per-query cost are seconds) and must reject the same rows with the same reasons, and
list them with the same lines (``test_spark_rejects_the_same_rows_with_the_same_lines``).
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path

import pytest

ROWS = 3000
CLEAN_LINE = "a{i},ev{e},2025-06-{d:02d}T00:00:00Z"


def _accounts(tmp_path: Path) -> Path:
    path = tmp_path / "accounts.csv"
    path.write_text("account_id\n" + "".join(f"a{i}\n" for i in range(7)))
    return path


def _segment(run_cli, tmp_path: Path, events: Path, *extra: str, out: Path | None = None) -> tuple[dict, list[dict]]:
    out = out or tmp_path / "out"
    result = run_cli("segment", "--events", events, "--accounts", _accounts(tmp_path), "--by", "behavioral",
                     "--as-of", "2025-06-30", "--out", out, "--min-segment-size", "0", *extra)
    assert result.code == 0, result.err
    report = json.loads((out / "report.json").read_text())
    with open(out / "rejected.csv", newline="", encoding="utf-8") as handle:
        rejected = [row for row in csv.DictReader(handle) if row["table"] == "events"]
    for row in rejected:
        row["file"] = Path(row["file"]).name
    return report["inputs"]["events"], rejected


def _csv_lines() -> list[bytes]:
    return [b"account_id,event,timestamp"] + [
        CLEAN_LINE.format(i=n % 7, e=n % 3, d=1 + n % 28).encode() for n in range(ROWS)
    ]


def _bad_csv(directory: Path) -> Path:
    lines = _csv_lines()
    lines[2500] = b"a1,ragged,2025-06-01T00:00:00Z,extra"  # line 2501: one field too many
    lines[2600] = b"a1,short"  # line 2601: one field short
    lines[2700] = b"a2,late,garbage"  # line 2701: not a timestamp
    lines[2800] = b"a4,bad\xffbyte,2025-06-02T00:00:00Z"  # line 2801: not UTF-8
    events = directory / "events.csv"
    events.write_bytes(b"\n".join(lines) + b"\n")
    return events


BAD_CSV_REJECTED = [
    ("events.csv", 2501, "", "CSV row has the wrong number of fields"),
    ("events.csv", 2601, "", "CSV row has the wrong number of fields"),
    ("events.csv", 2701, "timestamp", "timestamp missing or not a date/time"),
    ("events.csv", 2801, "", "line is not valid UTF-8"),
]


def test_bad_csv_rows_are_rejected_with_their_lines(run_cli, tmp_path: Path) -> None:
    info, rejected = _segment(run_cli, tmp_path, _bad_csv(tmp_path))
    assert (info["rows_read"], info["rows_used"], info["rows_rejected"]) == (3000, 2996, 4)
    assert [(r["file"], int(r["line"]), r["column"], r["reason"]) for r in rejected] == BAD_CSV_REJECTED
    assert rejected[0]["value"] == "a1,ragged,2025-06-01T00:00:00Z,extra"


def _bad_gzipped_csv(directory: Path) -> Path:
    lines = _csv_lines()
    lines[1000] = b"a1,x,2025-06-01T00:00:00Z,y,z"  # line 1001
    lines[1001] = b"a1,y"  # line 1002
    lines[2999] = b"a2,z,not a time"  # line 3000: a bad timestamp, numbered past both
    events = directory / "events.csv.gz"
    events.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    return events


def _validate(run_cli, tmp_path: Path, events: Path, *extra: str) -> dict[str, tuple[int, int, int]]:
    """``segkit validate --format json``: per event file, (rows read, rejected, used)."""
    result = run_cli("validate", "--events", events, "--accounts", _accounts(tmp_path), "--as-of", "2025-06-30",
                     "--format", "json", *extra)
    assert result.code in (0, 3), result.err
    files = json.loads(result.out)["files"]
    return {Path(f["file"]).name: (f["rows_read"], f["rows_rejected"], f["rows_used"]) for f in files if f["table"] == "events"}


def test_validate_counts_the_unparseable_rows_as_read_like_a_run(run_cli, tmp_path: Path) -> None:
    """``rows_read`` of a file is every record: used + rejected (it left out the rows the reader skipped)."""
    assert _validate(run_cli, tmp_path, _bad_csv(tmp_path)) == {"events.csv": (3000, 4, 2996)}
    assert _validate(run_cli, tmp_path, _bad_json_lines(tmp_path)) == {"events.jsonl": (2999, 4, 2995)}


def test_bad_rows_in_a_gzipped_csv_keep_exact_lines(run_cli, tmp_path: Path) -> None:
    info, rejected = _segment(run_cli, tmp_path, _bad_gzipped_csv(tmp_path))
    assert info["rows_read"] == 3000 and info["rows_rejected"] == 3
    assert [int(r["line"]) for r in rejected] == [1001, 1002, 3000]
    assert rejected[-1]["reason"] == "timestamp missing or not a date/time"


def _bad_json_lines(directory: Path) -> Path:
    records = [
        json.dumps({"account_id": f"a{n % 7}", "event": f"ev{n % 3}", "timestamp": f"2025-06-{1 + n % 28:02d}T00:00:00Z"}).encode()
        for n in range(ROWS)
    ]
    records[2499] = b'{"account_id":"a1",'  # line 2500: cut short
    records[2599] = b""  # line 2600: blank (not a row, but it is a line)
    records[2699] = b'{"account_id":"a2","event":"x","timestamp":"garbage"}'  # line 2700
    records[2799] = b'{"account_id":"a4","event":"\xff","timestamp":"2025-06-02T00:00:00Z"}'  # line 2800
    records[2899] = b"not json"  # line 2900
    events = directory / "events.jsonl"
    events.write_bytes(b"\n".join(records) + b"\n")
    return events


BAD_JSON_REJECTED = [
    (2500, "line is not valid JSON"),
    (2700, "timestamp missing or not a date/time"),
    (2800, "line is not valid UTF-8"),
    (2900, "line is not valid JSON"),
]


def test_bad_json_lines_are_rejected_with_exact_line_numbers(run_cli, tmp_path: Path) -> None:
    info, rejected = _segment(run_cli, tmp_path, _bad_json_lines(tmp_path))
    assert (info["rows_read"], info["rows_used"], info["rows_rejected"]) == (2999, 2995, 4)
    assert [(int(r["line"]), r["reason"]) for r in rejected] == BAD_JSON_REJECTED
    assert rejected[-1]["value"] == "not json"


def _blank_json_lines(directory: Path) -> Path:
    good = '{"account_id":"a1","event":"x","timestamp":"2025-06-01T00:00:00Z"}'
    bad = '{"account_id":"a1","event":"x","timestamp":"not a time"}'
    events = directory / "blank.jsonl"
    events.write_text("\n".join([good, "", "   ", good, bad, good]) + "\n")
    return events


def test_blank_lines_do_not_shift_json_lines_numbers(run_cli, tmp_path: Path) -> None:
    info, rejected = _segment(run_cli, tmp_path, _blank_json_lines(tmp_path), "--max-rejected", "0.5")
    assert info["rows_read"] == 4
    assert [(int(r["line"]), r["reason"]) for r in rejected] == [(5, "timestamp missing or not a date/time")]


def _bad_utf8_in_the_header_sample(directory: Path) -> Path:
    good = b'{"account_id":"a1","event":"x","timestamp":"2025-06-01T00:00:00Z"}'
    bad = b'{"account_id":"a1","event":"x\xff","timestamp":"2025-06-01T00:00:00Z"}'
    events = directory / "sample.jsonl"
    events.write_bytes(b"\n".join([good, good, bad, good, good]) + b"\n")
    return events


def test_invalid_utf8_inside_the_header_sample_of_json_lines_is_one_rejected_line(run_cli, tmp_path: Path) -> None:
    """Line 3 of 5 has a byte that is not UTF-8: inside the loader's 200-line header sample, which
    skips it, so the file is read and that one line rejected (it used to stop the run)."""
    info, rejected = _segment(run_cli, tmp_path, _bad_utf8_in_the_header_sample(tmp_path), "--max-rejected", "0.5")
    assert (info["rows_read"], info["rows_used"], info["rows_rejected"]) == (5, 4, 1)
    assert [(int(r["line"]), r["reason"]) for r in rejected] == [(3, "line is not valid UTF-8")]


def _windows_1252_semicolons(directory: Path) -> Path:
    """Semicolons, and a byte that is not UTF-8 inside the header sample (the loader reads the header
    as Windows-1252; the event engines still reject that line)."""
    lines = [b"account_id;event;timestamp"] + [
        CLEAN_LINE.replace(",", ";").format(i=n % 7, e=n % 3, d=1 + n % 28).encode() for n in range(50)
    ]
    lines[20] = b"a4;caf\xe9;2025-06-02T00:00:00Z"  # line 21
    lines[30] = b"a1;short"  # line 31
    events = directory / "semicolons.csv"
    events.write_bytes(b"\n".join(lines) + b"\n")
    return events


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (no java on PATH)")
def test_spark_rejects_the_same_rows_with_the_same_lines(run_cli, tmp_path: Path) -> None:
    """Every file above in one folder, one run per engine: the same counts, reasons, lines and report.

    Spark's readers flag the rows they cannot parse (its corrupt-record column; CSV read byte for
    byte, so invalid UTF-8 is seen); the listing with lines is the DuckDB engine's for local files.
    """
    folder = tmp_path / "events"
    folder.mkdir()
    for build in (_bad_csv, _bad_gzipped_csv, _bad_json_lines, _blank_json_lines, _bad_utf8_in_the_header_sample,
                  _windows_1252_semicolons):
        build(folder)
    reports, listed = {}, {}
    for engine in ("duckdb", "spark"):
        out = tmp_path / engine
        info, listed[engine] = _segment(run_cli, tmp_path, folder, "--engine", engine, out=out)
        reports[engine] = (out / "report.json").read_bytes()
    assert reports["spark"] == reports["duckdb"]
    assert listed["spark"] == listed["duckdb"]
    validated = {engine: _validate(run_cli, tmp_path, folder, "--engine", engine) for engine in ("duckdb", "spark")}
    assert validated["spark"] == validated["duckdb"]
    assert sum(read for read, _, _ in validated["spark"].values()) == info["rows_read"]
    assert (info["rows_read"], info["rows_rejected"]) == (3000 + 3000 + 2999 + 4 + 5 + 50, 4 + 3 + 4 + 1 + 1 + 2)
    by_file: dict[str, list[tuple[int, str]]] = {}
    for row in listed["spark"]:
        by_file.setdefault(row["file"], []).append((int(row["line"]), row["reason"]))
    assert [(r["file"], int(r["line"]), r["column"], r["reason"]) for r in listed["spark"]
            if r["file"] == "events.csv"] == BAD_CSV_REJECTED
    assert [line for line, _ in by_file["events.csv.gz"]] == [1001, 1002, 3000]
    assert by_file["events.jsonl"] == BAD_JSON_REJECTED
    assert by_file["blank.jsonl"] == [(5, "timestamp missing or not a date/time")]
    assert by_file["sample.jsonl"] == [(3, "line is not valid UTF-8")]
    assert by_file["semicolons.csv"] == [(21, "line is not valid UTF-8"), (31, "CSV row has the wrong number of fields")]


def test_a_json_lines_file_that_is_not_text_stays_one_clear_error(run_cli, tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"\xff\xfe\x00\x01binary\n" * 3)
    result = run_cli("segment", "--events", events, "--accounts", _accounts(tmp_path), "--as-of", "2025-06-30")
    assert result.code == 3
    assert "not valid UTF-8" in result.err and "Traceback" not in result.err

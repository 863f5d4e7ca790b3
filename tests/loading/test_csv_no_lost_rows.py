"""CSV that cannot lose rows (issue 11 item 7): a stray quote must not swallow the lines after it."""

from __future__ import annotations

import json
from pathlib import Path


def test_a_stray_quote_in_an_unquoted_field_loses_no_rows(run_cli, tmp_path: Path) -> None:
    lines = ["account_id,name,employees"] + [f"A{i:04d},Company {i},{10 + i}" for i in range(3003)]
    lines[1501] = 'A1500,"Acme 12 display co,5'  # opens a quote that never closes
    lines[3003] = 'A3002,Ends "here,7'
    path = tmp_path / "accounts.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("validate", path)
    report = json.loads(result.out)
    entry = report["files"][0]
    assert entry["rows_read"] == 3003 and entry["rows_used"] == 3003, entry
    assert any("swallowed by an unbalanced quote" in note for note in entry["notes"])


def test_quoted_line_breaks_are_still_one_record(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text('account_id,name\nA1,"two\nlines"\nA2,plain\n', encoding="utf-8")
    entry = json.loads(run_cli("validate", path).out)["files"][0]
    assert entry["rows_read"] == 2 and entry["rows_used"] == 2 and not entry["notes"]


def test_decompression_past_the_ratio_is_refused_with_exit_3(run_cli, tmp_path: Path, monkeypatch) -> None:
    import gzip
    import zipfile

    import segkit.loading.formats as formats

    monkeypatch.setattr(formats, "DECOMPRESSION_FLOOR", 10_000)
    body = b"account_id,name\n" + b"A1,xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n" * 50_000
    gz = tmp_path / "accounts.csv.gz"
    gz.write_bytes(gzip.compress(body))
    result = run_cli("segment", gz, "--out", tmp_path / "out")
    assert result.code == 3 and "refused: expands to more than" in result.err, result.err
    zipped = tmp_path / "accounts.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("accounts.csv", body)
    result = run_cli("segment", zipped, "--out", tmp_path / "out")
    assert result.code == 3 and "refused: expands to more than" in result.err, result.err


def test_gzip_without_gz_suffix_is_read_by_its_content(run_cli, tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "accounts.csv"
    path.write_bytes(gzip.compress(b"account_id,name\nA1,One\nA2,Two\n"))
    entry = json.loads(run_cli("validate", path).out)["files"][0]
    assert entry["rows_read"] == 2 and entry["table"] == "accounts"


def test_a_bad_json_lines_record_is_rejected_with_its_exact_line(run_cli, tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id\n" + "".join(f"A{i}\n" for i in range(40)))
    lines = [json.dumps({"account_id": f"A{i}", "responded_at": "2024-01-01", "score": i % 11}) for i in range(40)]
    lines[6] = '{"account_id":"A6","responded_at":"2024-01-01","score":'
    surveys = tmp_path / "surveys.jsonl"
    surveys.write_text("\n".join(lines[:3]) + "\n\n" + "\n".join(lines[3:]) + "\n")  # a blank line 4
    result = run_cli("segment", accounts, surveys, "--out", tmp_path / "out")
    assert result.code == 0, result.err
    rejected = (tmp_path / "out" / "rejected.csv").read_text().splitlines()
    assert rejected[1].startswith(f"surveys,{surveys},8,(row),") and rejected[1].endswith("not a valid JSON object")
    inputs = json.loads((tmp_path / "out" / "report.json").read_text())["inputs"]["surveys"]
    assert (inputs["rows_read"], inputs["rows_used"], inputs["rows_rejected"]) == (40, 39, 1)

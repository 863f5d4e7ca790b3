"""`segkit validate` per file and `segkit init` writing a commented segkit.toml (issue #3, part 1)."""

from __future__ import annotations

import json
import shutil
from segkit.config import tomllib
from pathlib import Path

import pytest

from segkit.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
FILES = ["hubspot_companies.csv", "stripe_subscriptions.csv", "stripe_invoices.csv", "mixpanel.jsonl", "nps.csv"]


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture()
def exports(tmp_path: Path) -> Path:
    for name in FILES:
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def test_validate_prints_each_file(exports: Path, capsys) -> None:
    code, out, err = run(capsys, "validate", *[exports / f for f in FILES], "--format", "table", "--max-rejected", "0.5")
    assert code == 0, err
    assert f"{exports / 'hubspot_companies.csv'}\n  accounts: a HubSpot companies export (preset hubspot-companies)\n" in out
    assert "  rows: read 4, usable 3, rejected 1 (cells set to null: 0)\n    1 x duplicate event id\n" in out
    assert "  dates: 2024-04-01T10:00:00+00:00 to 2024-04-03T10:00:00+00:00\n" in out  # the NPS file
    assert "  missing for geographic segments" not in out
    assert "metrics that cannot be computed from these files:\n  win_rate: needs deals.is_won or stage\n" in out
    assert out.endswith("ok\n")


def test_validate_json_accounts_for_every_row_and_reports_bad_files(exports: Path, capsys) -> None:
    (exports / "empty.csv").write_text("")
    code, out, err = run(capsys, "validate", *[exports / f for f in FILES], exports / "empty.csv", "--format", "json")
    assert code == 3
    assert err == f"segkit: error: 2 file(s) cannot be used as they are: {exports / 'mixpanel.jsonl'}, {exports / 'empty.csv'} (details above)\n"
    summary = json.loads(out)
    files = {Path(f["file"]).name: f for f in summary["files"]}
    assert files["empty.csv"]["error"].endswith("empty file (no header line, no data)")
    assert files["mixpanel.jsonl"]["over_max_rejected"] is True
    for name in FILES:
        item = files[name]
        assert item["rows_read"] == item["rows_used"] + item["rows_rejected"], name
    for table, item in summary["inputs"].items():
        assert item["rows_read"] == item["rows_used"] + item["rows_rejected"], table


def test_validate_reports_missing_columns_per_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "companies.csv"
    path.write_text("Record ID,Company name\n1,A\n")
    code, out, err = run(capsys, "validate", path, "--format", "json")
    item = json.loads(out)["files"][0]
    assert item["missing_for_metrics"] == {
        "conversion_rate": "created_at",
        "firmographic segments": "employees or annual_revenue or industry",
        "geographic segments": "country",
    }


def test_init_writes_a_config_that_segment_reads(exports: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(exports)
    code, out, err = run(capsys, "init", *FILES)
    assert code == 0, err
    text = (exports / "segkit.toml").read_text()
    config = tomllib.loads(text)
    assert config["inputs"]["accounts"]["files"] == ["hubspot_companies.csv"]
    assert config["inputs"]["accounts"]["preset"] == "hubspot-companies"
    assert config["inputs"]["accounts"]["columns"]["account_id"] == "Record ID"
    assert config["inputs"]["subscriptions"]["columns"]["account_id"] == "account_id (metadata)"
    assert config["inputs"]["events"]["columns"]["timestamp"] == "properties.time"
    assert '# region          = ""   # not found' in text
    assert "# hubspot_companies.csv: detected as a HubSpot companies export" in text
    code, out, err = run(capsys, "init", *FILES)
    assert code == 2 and "exists; pass --force" in err
    # ./segkit.toml is read by default: the same figures as with no config at all.
    code, with_config, err = run(capsys, "segment", "--format", "json", "--by", "firmographic", "--max-rejected", "0.5")
    assert code == 0, err
    (exports / "segkit.toml").unlink()
    code, without, err = run(capsys, "segment", *FILES, "--format", "json", "--by", "firmographic", "--max-rejected", "0.5")
    assert code == 0, err
    a, b = json.loads(with_config), json.loads(without)
    assert a["overall"] == b["overall"]
    assert {t: v["rows_used"] for t, v in a["inputs"].items()} == {t: v["rows_used"] for t, v in b["inputs"].items()}

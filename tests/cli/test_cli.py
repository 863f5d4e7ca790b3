"""Behaviour through the command line: outputs, formats, exit codes and messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from tests.conftest import SAMPLES_CONFIG

REPORT_KEYS = {
    "schema_version", "segkit_version", "as_of", "period", "inputs", "definitions",
    "segmentations", "overall", "warnings",
}
SEGMENT_KEYS = {
    "segment", "accounts", "customers", "conversion_rate", "conversion_rate_ci", "churn_rate",
    "churn_rate_ci", "monthly_churn_rate", "mrr", "arpa", "clv", "clv_method", "nps",
}


def test_segment_json_has_the_report_contract(run_cli):
    result = run_cli("segment", "--config", SAMPLES_CONFIG, "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert REPORT_KEYS <= set(report)
    assert set(report["period"]) >= {"start", "end"}
    assert set(report["segmentations"]) == {"firmographic", "geographic", "value"}
    for segmentation in report["segmentations"].values():
        assert {"params", "segments", "quality"} <= set(segmentation)
        for row in segmentation["segments"]:
            assert SEGMENT_KEYS <= set(row)
    for table, info in report["inputs"].items():
        assert info["rows_read"] == info["rows_used"] + info["rows_rejected"], table
        assert {"files", "preset", "rows_read", "rows_used", "rows_rejected", "sha256"} <= set(info)
    assert report["definitions"]["churn_rate"]
    assert report["overall"]["clv_method"] == "simple"


def test_json_is_the_default_when_piped_and_parses_with_json_tool(tmp_path: Path):
    """`segkit segment ... | python -m json.tool` works (stdout is a pipe, so JSON by default)."""
    seg = subprocess.run(
        [sys.executable, "-m", "segkit", "segment", "--config", str(SAMPLES_CONFIG)],
        capture_output=True, text=True, check=True,
    )
    tool = subprocess.run([sys.executable, "-m", "json.tool"], input=seg.stdout, capture_output=True, text=True)
    assert tool.returncode == 0
    assert json.loads(tool.stdout)["schema_version"] == "1.0"


def test_out_dir_holds_every_output_file(run_cli, tmp_path: Path):
    out = tmp_path / "out"
    result = run_cli("segment", "--config", SAMPLES_CONFIG, "--out", out, "--format", "json", "--quiet")
    assert result.code == 0, result.err
    names = {p.name for p in out.iterdir()}
    assert names == {"report.json", "segments.csv", "assignments.parquet", "assignments.csv", "rejected.csv", "report.html", "run.json", "cohorts.csv",
                     "summary.md", ".segkit.lock", ".segkit-history"}  # the lock and the run history (docs/nightly.md)
    assignments = pd.read_parquet(out / "assignments.parquet")
    assert list(assignments.columns) == ["account_id", "firmographic", "geographic", "value"]
    assert assignments["account_id"].str.len().eq(12).all()  # 12-digit HubSpot ids kept as text
    rejected = pd.read_csv(out / "rejected.csv", dtype=str)
    assert list(rejected.columns) == ["table", "file", "line", "column", "value", "reason"]
    report = json.loads((out / "report.json").read_text())
    assert len(rejected[rejected["reason"].str.contains("cell set to null") == False]) == sum(  # noqa: E712
        t["rows_rejected"] for t in report["inputs"].values()
    )
    assert (out / "report.html").read_text().startswith("<!doctype html>")
    assert (out / "summary.md").read_text().startswith("## Summary\n\nAs of 2025-12-31: 301 accounts")


def test_markdown_output_is_exact_for_a_small_case(run_cli, tmp_path: Path):
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "account_id,employees,country,created_at\n"
        + "".join(f"a{i},{10 if i < 6 else 500},US,2024-01-01\n" for i in range(12))
    )
    subs = tmp_path / "subscriptions.csv"
    subs.write_text(
        "account_id,started_at,ended_at,mrr\n"
        "a0,2024-01-10,,100\na1,2024-01-10,2024-07-01,100\na2,2024-01-10,,100\n"
        "a6,2024-01-10,,1000\na7,2024-01-10,,1000\na8,2024-02-10,2024-09-01,1000\n"
    )
    # Worked by hand: period 2024-07-01..2024-12-31, state read at the end of the day before.
    # SMB: a0-a2 paying at start, a1 ended on 2024-07-01 so churned in the period: 1/3, and
    # 1 event / (184 + 184 + 0 days = 12.09 months) = 8.27%, CLV 100 x 0.5 / 0.0827 = 605.
    # Mid-Market: a6-a8 at start, a8 churned on 2024-09-01 after 62 days: 1 event /
    # (184 + 184 + 62 days = 14.127 months) = 7.08%, CLV 1000 x 0.5 / 0.0708 = 7,064.
    # NRR = GRR = 2/3 in both: one of three equal start accounts churned, nothing expanded.
    result = run_cli(
        "segment", accounts, subs, "--by", "firmographic", "--as-of", "2024-12-31", "--period", "6",
        "--format", "markdown", "--gross-margin", "0.5", "--min-segment-size", "2", "--quiet",
    )
    assert result.code == 0, result.err
    assert result.out == (
        "## Summary\n\n"
        "As of 2024-12-31: 12 accounts, 4 of them paying, MRR 2,200; churn 33.3% (95% CI 10-70%) over "
        "2024-07-01 to 2024-12-31, NRR 66.7%.\n\n"
        "- By firmographic, churn is highest in Mid-Market: 33.3% (95% CI 6-79%), against 33.3% for all accounts; "
        "lowest in SMB: 33.3% (95% CI 6-79%). Churn: segments do not differ significantly (p = 1, Cramér's V 0.00). "
        "Conversion: segments do not differ significantly (p = 1, Cramér's V 0.00).\n\n"
        "### By firmographic\n\n"
        "| Segment | Accounts | Customers | Conversion (95% CI) | Churn (95% CI) | Monthly churn | MRR | ARPA | CLV | NRR | GRR |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        "| SMB | 6 | 2 | 50.0% (19-81) | 33.3% (6-79) | 8.3% | 200 | 100 | 605 | 66.7% | 66.7% |\n"
        "| Mid-Market | 6 | 2 | 50.0% (19-81) | 33.3% (6-79) | 7.1% | 2,000 | 1,000 | 7,064 | 66.7% | 66.7% |\n"
        "| All accounts | 12 | 4 | 50.0% (25-75) | 33.3% (10-70) | 7.6% | 2,200 | 550 | 3,605 | 66.7% | 66.7% |\n\n"
        "_as of 2024-12-31 (from --as-of), period 2024-07-01 to 2024-12-31; CLV simple at gross margin 0.5; "
        "* = fewer than 2 accounts, suppressed_\n\n"
        "- churn: segments do not differ significantly (p = 1, Cramér's V 0.00)\n"
        "- conversion: segments do not differ significantly (p = 1, Cramér's V 0.00)\n"
    )


def test_csv_output_has_one_row_per_segment(run_cli):
    result = run_cli("segment", "--config", SAMPLES_CONFIG, "--by", "value", "--format", "csv", "--quiet")
    assert result.code == 0
    lines = result.out.strip().splitlines()
    assert lines[0].startswith("segmentation,segment,accounts,")
    assert "conversion_rate_ci_low" in lines[0]
    assert lines[-1].startswith("overall,all accounts,")


def test_jsonl_lines_are_self_describing(run_cli):
    result = run_cli("segment", "--config", SAMPLES_CONFIG, "--by", "value", "--format", "jsonl", "--quiet")
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert all({"segmentation", "segment", "as_of", "period"} <= set(r) for r in rows)


def test_parquet_to_a_pipe(tmp_path: Path):
    proc = subprocess.run(
        [sys.executable, "-m", "segkit", "segment", "--config", str(SAMPLES_CONFIG), "--format", "parquet", "--quiet"],
        capture_output=True, check=True,
    )
    path = tmp_path / "rows.parquet"
    path.write_bytes(proc.stdout)
    assert {"segmentation", "segment", "churn_rate"} <= set(pd.read_parquet(path).columns)


def test_segmenters_lists_the_registry_with_parameters(run_cli):
    result = run_cli("segmenters", "--format", "json")
    assert result.code == 0
    items = {item["name"]: item for item in json.loads(result.out)}
    assert {"firmographic", "geographic", "value"} <= set(items)
    size = items["firmographic"]["parameters"]["size_cut_points"]
    assert size["default"] == [100, 1000]
    assert items["value"]["origin"].startswith("segkit ")


def test_crossing_two_segmenters(run_cli):
    result = run_cli("segment", "--config", SAMPLES_CONFIG, "--by", "firmographic*geographic", "--format", "json", "--quiet")
    assert result.code == 0, result.err
    segments = json.loads(result.out)["segmentations"]["firmographic*geographic"]["segments"]
    assert any(s["segment"] == "SMB × Europe" for s in segments)


def _assert_one_line_error(result, code: int, *fragments: str) -> None:
    assert result.code == code, (result.code, result.err)
    assert result.out == ""
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("segkit: error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_unknown_option_exits_2(run_cli):
    _assert_one_line_error(run_cli("segment", "--no-such-flag"), 2, "--no-such-flag")


def test_unknown_segmenter_exits_2(run_cli):
    _assert_one_line_error(run_cli("segment", "--config", SAMPLES_CONFIG, "--by", "nosuch"), 2, "unknown segmenter 'nosuch'", "firmographic")


def test_bad_period_and_as_of_exit_2(run_cli):
    _assert_one_line_error(run_cli("segment", "--config", SAMPLES_CONFIG, "--period", "soon"), 2, "--period")
    _assert_one_line_error(run_cli("segment", "--config", SAMPLES_CONFIG, "--as-of", "31/12/2025"), 2, "--as-of", "YYYY-MM-DD")


def test_bad_segmenter_parameter_exits_2_with_the_expected_form(run_cli):
    result = run_cli("segment", "--config", SAMPLES_CONFIG, "--by", "firmographic", "--set", "segmenters.firmographic.size_cut_points=[1000,100]")
    _assert_one_line_error(result, 2, "The 'size_cut_points' parameter of FirmographicSegmenter must be", "Got [1000, 100] instead.")


def test_unknown_config_key_exits_2_with_a_suggestion(run_cli, tmp_path: Path):
    config = tmp_path / "segkit.toml"
    config.write_text("[metrics]\ngross_margn = 0.8\n")
    _assert_one_line_error(run_cli("segment", "--config", config, "x.csv"), 2, "gross_margn", "did you mean 'gross_margin'")


def test_missing_input_exits_3(run_cli, tmp_path: Path):
    _assert_one_line_error(run_cli("segment", tmp_path / "nope.csv"), 3, "nope.csv", "file not found")


def test_unreadable_input_exits_3(run_cli, tmp_path: Path):
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    _assert_one_line_error(run_cli("segment", folder), 3, "folder.csv")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00\xff\xfe\x00" * 100)
    _assert_one_line_error(run_cli("segment", binary), 3, "binary.csv")


def test_file_matching_no_preset_names_the_closest_and_what_it_lacks(run_cli, tmp_path: Path):
    path = tmp_path / "mystery.csv"
    path.write_text("foo,bar\n1,2\n")
    _assert_one_line_error(run_cli("segment", path), 3, "mystery.csv", "no table fits: closest is", "lacks")


def test_no_inputs_exits_2(run_cli, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _assert_one_line_error(run_cli("segment"), 2, "no input files")


def test_traceback_flag_shows_the_traceback(run_cli, tmp_path: Path):
    result = run_cli("segment", tmp_path / "nope.csv", "--traceback")
    assert result.code == 3
    assert "Traceback" in result.err


def test_unexpected_errors_say_bug_and_exit_1(run_cli, monkeypatch):
    from segkit import api

    def boom(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(api, "run_segment", boom)
    _assert_one_line_error(run_cli("segment", "x.csv"), 1, "a bug in segkit", "ZeroDivisionError", "--traceback")


def test_interrupt_exits_130(run_cli, monkeypatch):
    from segkit import api

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "run_segment", interrupted)
    _assert_one_line_error(run_cli("segment", "x.csv"), 130, "interrupted")


def test_validate_reports_rows_and_rejections(run_cli):
    result = run_cli("validate", "--config", SAMPLES_CONFIG, "--format", "json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    accounts = summary["inputs"]["accounts"]
    assert accounts["rows_read"] == accounts["rows_used"] + accounts["rows_rejected"]
    assert accounts["columns"]["account_id"] == "Record ID"
    assert summary["inputs"]["events"]["rows_rejected"] == 2


def test_sample_is_deterministic(run_cli, tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert run_cli("sample", a, "--accounts", "40", "--seed", "3").code == 0
    assert run_cli("sample", b, "--accounts", "40", "--seed", "3").code == 0
    for path in a.iterdir():
        assert path.read_bytes() == (b / path.name).read_bytes(), path.name


def test_help_and_version(run_cli):
    assert run_cli("--version").out.startswith("segkit ")
    result = run_cli("segment", "--help")
    assert result.code == 0 and "--as-of" in result.out


def test_quiet_segment_does_not_silence_a_later_command(run_cli, tmp_path: Path):
    """--quiet belongs to one invocation (its Environment), not to the process."""
    quiet = run_cli("segment", "--config", SAMPLES_CONFIG, "--quiet", "--format", "json")
    assert quiet.code == 0, quiet.err
    assert quiet.err == ""
    samples = SAMPLES_CONFIG.parent.parent / "data" / "samples"
    target = tmp_path / "segkit.toml"
    result = run_cli("init", *sorted(samples.glob("*.csv")), "--output", target)
    assert result.code == 0, result.err
    assert result.err.startswith(f"wrote {target}; review it, then run: segkit segment --config {target}")


def test_an_environment_carries_the_streams_of_one_invocation(tmp_path: Path):
    """main(args, env) writes only to the Environment's streams (httpie style), not sys.stdout."""
    import io

    from segkit.cli import Environment, main

    out, err = io.StringIO(), io.StringIO()
    code = main(["sample", str(tmp_path / "s"), "--accounts", "5"], env=Environment(stdout=out, stderr=err))
    assert code == 0, err.getvalue()
    written = out.getvalue().splitlines()
    assert sorted(Path(line).name for line in written) == sorted(p.name for p in (tmp_path / "s").iterdir())
    code = main(["segment", "--format", "nope"], env=Environment(stdout=out, stderr=err))
    assert code == 2
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("segkit: error: unknown --format 'nope'; choose one of: ")

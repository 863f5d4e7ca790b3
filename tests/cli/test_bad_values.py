"""Bad values and options are exit 2 or 3 with one line on stderr, never a bug report (issue 12
item 7); text from the data is escaped in every writer."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = ("--config", str(REPO / "configs" / "samples.toml"), "--format", "json", "--quiet")


def _one_line(result, code: int) -> str:
    assert result.code == code, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("segkit: error: "), result.err
    assert "Traceback" not in result.err and "a bug in segkit" not in result.err
    return lines[0]


@pytest.mark.parametrize("args,fragment", [
    (("--as-of", "9999-12-31"), "--as-of must be between"),
    (("--as-of", "0001-01-01"), "--as-of must be between"),
    (("--period", "99999"), "--period must be at most"),
    (("--min-segment-size", "99999999999999999999"), "--min-segment-size must be between"),
    (("--set", "metrics.period_months=\"abc\""), "wrong type"),
    (("--set", "metrics.gross_margin=\"abc\""), "wrong type"),
    (("--set", "metrics.min_segment_size=1e309"), "wrong type"),
    (("--set", "load.memory_limit=\"abc\""), "load.memory_limit"),
    (("--set", "load.threads=\"abc\""), "load.threads"),
    (("--set", "segmenters.value.cut_points=[1e309]", "--by", "value"), "cut_points"),
])
def test_bad_option_values_are_usage_errors(run_cli, args: tuple[str, ...], fragment: str) -> None:
    assert fragment in _one_line(run_cli("segment", *SAMPLES, *args), 2)


def test_json_nested_a_thousand_levels_is_an_input_error(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"account_id": "a", "event": "x", "timestamp": "2024-01-01", "p": ' + "[" * 1000 + "]" * 1000 + "}\n")
    assert "nested too deeply" in _one_line(run_cli("segment", path, "--format", "json"), 3)


def _with_cell(source: Path, target: Path, column: str, value: str, row: int = 1) -> Path:
    rows = list(csv.reader(source.open(newline="")))
    rows[row][rows[0].index(column)] = value
    with target.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return target


def test_a_9999_activity_date_is_an_input_error_unless_as_of_is_given(run_cli, tmp_path: Path) -> None:
    samples = REPO / "data" / "samples"
    subs = _with_cell(samples / "subscriptions.csv", tmp_path / "subscriptions.csv", "Start (UTC)", "9999-12-31", row=2)  # an active row
    companies = samples / "companies.csv"
    line = _one_line(run_cli("segment", companies, subs, "--format", "json"), 3)
    assert "9999-12-31 in subscriptions.started_at" in line
    assert run_cli("segment", companies, subs, "--format", "json", "--as-of", "2025-06-30", "--quiet").code == 0


def test_a_9999_creation_date_is_excluded_and_counted_not_the_as_of(run_cli, tmp_path: Path) -> None:
    """accounts.created_at is no activity date (issue 10 item 6): the account is after as-of."""
    samples = REPO / "data" / "samples"
    companies = _with_cell(samples / "companies.csv", tmp_path / "companies.csv", "Create Date", "9999-12-31")
    result = run_cli("segment", companies, samples / "subscriptions.csv", "--format", "json", "--quiet")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["as_of"] == "2025-12-23" and report["as_of_source"] == "subscriptions.started_at"
    assert report["inputs"]["accounts"]["rows_after_as_of"] >= 1


def test_a_huge_garbage_header_is_clipped_and_escapes_are_shown(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_text("\x1b[31m" + ";x," * 50_000 + "\n1,2\n")
    line = _one_line(run_cli("segment", path, "--format", "json"), 3)
    assert len(line) < 1000 and "\x1b" not in line


def test_sample_refuses_a_non_empty_directory_without_force(run_cli, tmp_path: Path) -> None:
    (tmp_path / "mine.csv").write_text("keep me\n")
    assert "--force" in _one_line(run_cli("sample", tmp_path, "--accounts", "5"), 2)
    assert (tmp_path / "mine.csv").read_text() == "keep me\n"
    assert run_cli("sample", tmp_path, "--accounts", "5", "--force").code == 0


# -- injection payloads through the writers ----------------------------------------------------

PAYLOAD = "ACC\r=1+1 <script>alert(1)</script> [red]x[/red] | a_b*c\n</script>"


@pytest.fixture
def hostile_accounts(tmp_path: Path) -> Path:
    """An accounts export whose industry (a segment name) and id carry the payloads."""
    path = tmp_path / "accounts.csv"
    rows = [["account_id", "name", "industry", "employees", "created_at"]]
    for i in range(6):
        rows.append([f"{PAYLOAD}{i}" if i == 0 else f"A{i}", f"n{i}", PAYLOAD if i % 2 else "Retail", "20", "2024-01-01"])
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_csv_cells_with_cr_or_lf_stay_one_record(run_cli, hostile_accounts: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("segment", hostile_accounts, "--by", "firmographic", "--set", "segmenters.firmographic.by=\"industry\"", "--out", out, "--format", "csv", "--quiet")
    assert result.code == 0, result.err
    text = (out / "assignments.csv").read_bytes().decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert len(records) == 7  # the header and one record per account
    assert all(not line.startswith("=1+1") for line in text.split("\n"))


@pytest.mark.parametrize("fmt", ["markdown", "table"])
def test_text_writers_do_not_pass_markup_through(run_cli, hostile_accounts: Path, fmt: str) -> None:
    result = run_cli("segment", hostile_accounts, "--by", "firmographic", "--set", "segmenters.firmographic.by=\"industry\"", "--format", fmt, "--quiet", "--min-segment-size", "1")
    assert result.code == 0, result.err
    assert "\r" not in result.out and "\x1b" not in result.out
    if fmt == "markdown":
        assert "<script>" not in result.out and "&lt;script&gt;" in result.out


def test_html_report_data_cannot_close_a_script(run_cli, hostile_accounts: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("segment", hostile_accounts, "--by", "firmographic", "--set", "segmenters.firmographic.by=\"industry\"", "--out", out, "--format", "html", "--format", "json", "--quiet")
    assert result.code == 0, result.err
    html = (out / "report.html").read_text()
    assert "<script>alert(1)" not in html
    # The report's data scripts (JSON) hold no "</" at all, so a value cannot close them; the
    # inlined chart runtime (vendored Vega) is code of ours, not data.
    for body in html.split("<script")[1:]:
        opening, rest = body.split(">", 1)
        if "json" in opening:
            inner = rest.split("</script>", 1)[0]
            assert "</" not in inner.replace("<\\/", "")
    assert json.loads((out / "report.json").read_text())


@pytest.mark.parametrize("event", ["renamed_event", "a%_\\\\"])
def test_an_activation_event_nobody_did_is_a_warning_not_a_crash(run_cli, event: str) -> None:
    """Matched literally (no LIKE or regex wildcards): nothing matches, the run warns and goes on."""
    result = run_cli("segment", "--config", str(REPO / "configs" / "samples.toml"), "--format", "json",
                     "--set", f'metrics.activation_event="{event}"')
    assert result.code == 0, result.err
    assert "no account did the activation event" in result.err
    assert "a bug in segkit" not in result.err

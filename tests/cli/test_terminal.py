"""The terminal table at a given width: essential columns in full, never a cut cell, no line
wider than the width, plain text without colour, warnings on stderr (issue 13)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from segkit.cli.environment import Environment
from tests.conftest import SAMPLES_CONFIG

EXPECTED_80 = """\
segkit: by firmographic

 Segment        Accounts   Customers   Churn (95% CI)     MRR     CLV     NRR
 ----------------------------------------------------------------------------
 SMB                   6           2     33.3% (6-79)     200     605   66.7%
 Mid-Market            6           2     33.3% (6-79)   2,000   7,064   66.7%

 All accounts         12           4    33.3% (10-70)   2,200   3,605   66.7%

as of 2024-12-31 (from --as-of), period 2024-07-01 to 2024-12-31; CLV simple
at gross margin 0.5; * = fewer than 2 accounts, suppressed
  4 more columns: conversion, monthly_churn, arpa, grr (--columns NAME,... or
    --wide)
  churn: segments do not differ significantly (p = 1, Cramér's V 0.00)
  conversion: segments do not differ significantly (p = 1, Cramér's V 0.00)

"""


def small_case(tmp_path: Path) -> list[str]:
    """The hand-worked case of test_markdown_output_is_exact_for_a_small_case."""
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id,employees,country,created_at\n"
                        + "".join(f"a{i},{10 if i < 6 else 500},US,2024-01-01\n" for i in range(12)))
    subs = tmp_path / "subscriptions.csv"
    subs.write_text("account_id,started_at,ended_at,mrr\n"
                    "a0,2024-01-10,,100\na1,2024-01-10,2024-07-01,100\na2,2024-01-10,,100\n"
                    "a6,2024-01-10,,1000\na7,2024-01-10,,1000\na8,2024-02-10,2024-09-01,1000\n")
    return ["segment", str(accounts), str(subs), "--by", "firmographic", "--as-of", "2024-12-31", "--period", "6",
            "--format", "table", "--gross-margin", "0.5", "--min-segment-size", "2", "--quiet"]


def test_the_80_column_table_is_exact(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    result = run_cli(*small_case(tmp_path))
    assert result.code == 0, result.err
    assert result.out == EXPECTED_80


@pytest.mark.parametrize("width", [80, 100, 132])
def test_no_line_is_wider_than_the_width_and_no_cell_is_cut(run_cli, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    result = run_cli("segment", "--config", SAMPLES_CONFIG, "--format", "table", "--quiet")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in result.out and "\x1b" not in result.out
    headers = [f"{line} " for line in lines if line.startswith(" Segment ")]
    assert len(headers) == 3  # firmographic, geographic, value
    for header in ("Accounts", "Churn (95% CI)", "MRR", "NRR", "CLV"):  # the essential columns, in full
        assert all(f" {header} " in line for line in headers), header
    assert "Not paying at start" in result.out and "All accounts" in result.out


def test_wide_and_columns_show_what_was_asked(run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    wide = run_cli("segment", "--config", SAMPLES_CONFIG, "--by", "value", "--format", "table", "--wide", "--quiet")
    assert "Conversion (95% CI)" in wide.out and "GRR" in wide.out and "more columns" not in wide.out
    picked = run_cli("segment", "--config", SAMPLES_CONFIG, "--by", "value", "--format", "table", "--columns", "grr,arpa", "--quiet")
    header = next(line for line in picked.out.splitlines() if line.startswith(" Segment"))
    assert header.split() == ["Segment", "ARPA", "GRR"]
    wrong = run_cli("segment", "--config", SAMPLES_CONFIG, "--format", "table", "--columns", "cutsomers")
    assert wrong.code == 2 and "did you mean 'customers'?" in wrong.err


def test_warnings_go_to_stderr_with_the_table(run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    result = run_cli("segment", "--config", SAMPLES_CONFIG, "--by", "value", "--format", "table")
    assert "duplicate account_id" in result.err
    assert "warning" not in result.out and "duplicate" not in result.out


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("variable", [("NO_COLOR", "1"), ("TERM", "dumb")])
def test_no_color_and_dumb_terminals_get_plain_text(monkeypatch, variable):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert Environment(stdout=FakeTerminal()).colour is True
    monkeypatch.setenv(*variable)
    assert Environment(stdout=FakeTerminal()).colour is False
    assert Environment(stdout=io.StringIO()).colour is False  # not a terminal


def test_width_is_columns_when_stdout_is_a_file(monkeypatch):
    monkeypatch.setenv("COLUMNS", "72")
    assert Environment(stdout=io.StringIO()).width == 72
    monkeypatch.delenv("COLUMNS")
    assert Environment(stdout=io.StringIO()).width == 80


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_churn_risk_verdict_is_under_its_table_in_every_rendering(run_cli, monkeypatch, fmt):
    monkeypatch.setenv("COLUMNS", "80")
    result = run_cli("segment", "--config", SAMPLES_CONFIG, "--by", "churn_risk", "--format", fmt, "--quiet")
    assert result.code == 0, result.err
    text = " ".join(result.out.split())  # the table wraps long lines
    assert "churn model (logistic" in text and "cross-validated): AUC 0.40, Brier 0.176 vs 0.171 for the base rate" in text
    assert "verdict: not useful" in text

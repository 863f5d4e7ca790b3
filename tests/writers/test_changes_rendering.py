"""What changed since the last run, as summary.md and report.html say it: two hand-worked runs of
the same small case into one --out DIR (through the CLI, as a user runs them nightly)."""

from __future__ import annotations

import json
import re
from pathlib import Path


def _write_case(folder: Path, moved: bool) -> tuple[Path, Path]:
    """The small case of tests/cli/test_cli.py; ``moved``: a0 and a1 grow to 500 employees
    (SMB -> Mid-Market) and a2 ends on 2024-11-01 (one more churned customer)."""
    folder.mkdir(parents=True, exist_ok=True)
    accounts = folder / "accounts.csv"
    accounts.write_text("account_id,employees,country,created_at\n" + "".join(
        f"a{i},{500 if i >= 6 or (moved and i < 2) else 10},US,2024-01-01\n" for i in range(12)))
    subs = folder / "subscriptions.csv"
    subs.write_text(
        "account_id,started_at,ended_at,mrr\n"
        f"a0,2024-01-10,,100\na1,2024-01-10,2024-07-01,100\na2,2024-01-10,{'2024-11-01' if moved else ''},100\n"
        "a6,2024-01-10,,1000\na7,2024-01-10,,1000\na8,2024-02-10,2024-09-01,1000\n")
    return accounts, subs


def _run(run_cli, folder: Path, out: Path, moved: bool) -> None:
    accounts, subs = _write_case(folder, moved)
    result = run_cli("segment", accounts, subs, "--by", "firmographic", "--as-of", "2024-12-31", "--period", "6",
                     "--gross-margin", "0.5", "--min-segment-size", "2", "--out", out, "--quiet")
    assert result.code == 0, result.err


def test_summary_and_report_say_what_changed_since_the_last_run(run_cli, tmp_path: Path):
    out = tmp_path / "out"
    _run(run_cli, tmp_path / "monday", out, moved=False)
    first_summary = (out / "summary.md").read_text()
    assert "since the last run" not in first_summary
    assert "no previous run to compare with" in (out / "report.html").read_text()

    _run(run_cli, tmp_path / "tuesday", out, moved=True)
    # By hand: churn 2 of 6 customers at the start -> 3 of 6; MRR 2,200 -> 2,100 (a2 ended);
    # NRR 2,200/3,300 -> 2,100/3,300; paying customers 4 -> 3; a0 and a1 moved SMB -> Mid-Market.
    summary = (out / "summary.md").read_text()
    assert summary.split("\n\n")[2] == (
        "Churn rose from 33.3% to 50.0% since the last run (2024-12-31); MRR fell from 2,200 to 2,100; "
        "NRR fell from 66.7% to 63.6%; paying customers fell from 4 to 3; "
        "by firmographic, 2 accounts moved from SMB to Mid-Market.")
    changes = json.loads((out / "changes.json").read_text())
    assert changes["overall"]["churn_rate"] == {"old": 0.333333, "new": 0.5, "change": 0.166667}
    assert changes["overall"]["mrr"] == {"old": 2200.0, "new": 2100.0, "change": -100.0}
    assert changes["segmentations"]["firmographic"]["transitions"] == [
        {"from": "SMB", "to": "Mid-Market", "accounts": 2, "mrr": 100.0}]

    page = (out / "report.html").read_text()
    cards = dict(re.findall(r"data-figure='(\w+)'>.*?<div class='delta \w+'>([^<]*)</div>", page))
    assert cards["churn_rate"] == "+16.7 pt since 2024-12-31"
    assert cards["mrr"] == "-100 since 2024-12-31"
    assert cards["customers"] == "-1 since 2024-12-31"
    assert cards["accounts"] == "±0 since 2024-12-31"
    assert "<div class='delta down'>+16.7 pt" in page  # more churn is bad news
    assert "data-chart='firmographic:transitions'" in page


def test_no_change_is_said_plainly(run_cli, tmp_path: Path):
    out = tmp_path / "out"
    _run(run_cli, tmp_path / "a", out, moved=False)
    _run(run_cli, tmp_path / "b", out, moved=False)
    summary = (out / "summary.md").read_text()
    assert summary.split("\n\n")[2] == (
        "Churn stayed at 33.3% since the last run (2024-12-31); MRR stayed at 2,200; NRR stayed at 66.7%; "
        "paying customers stayed at 4; no account changed segment.")
    page = (out / "report.html").read_text()
    assert "n/a: 0 accounts changed segment since 2024-12-31; 0 appeared, 0 disappeared" in page


def test_what_changed_without_the_old_runs_figures_names_the_moves_alone():
    from segkit.writers.summary import changed_sentence

    changes = {"old": {"run": "old", "as_of": None}, "overall": {}, "segmentations": {
        "size": {"transitions": [{"from": "SMB", "to": "Mid-Market", "accounts": 12, "mrr": 1.0},
                                 {"from": "Mid-Market", "to": "SMB", "accounts": 1, "mrr": 1.0},
                                 {"from": "A", "to": "B", "accounts": 1, "mrr": 1.0},
                                 {"from": "C", "to": "D", "accounts": 3, "mrr": 1.0}]}}}
    assert changed_sentence(changes) == (
        "Since the last run (unknown): by size, 12 accounts moved from SMB to Mid-Market, 3 accounts moved "
        "from C to D, 1 account moved from A to B and 1 more changed segment.")
    assert changed_sentence(None) is None

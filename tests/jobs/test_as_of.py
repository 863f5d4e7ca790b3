"""As-of (issue 10 item 6, issue 12 item 3): the default is the latest activity date, never a
forward-looking date; rows and accounts dated after as-of are excluded and counted (SPEC 6).

The tiny company used here (hand-worked): ten accounts, A1..A9 paying 100 a month since
2024-01-15; A1 and A2 churn on 2025-03-15, A3 on 2024-08-15; A4 asked to cancel on 2025-06-10
and stops at the end of its period, 2025-07-10 (cancel at period end); A10 starts on
2025-06-30, the latest activity. So as-of = 2025-06-30 and the period is 2024-07-01..2025-06-30:
customers at period start A1..A9 = 9, churned in the period A1, A2, A3 = 3, churn 3/9 = 0.333333
(A4 still pays on as-of). Had as-of moved to 2025-09-30 (a trial's end), the period would start
2024-10-01: A3 would be out (8 at start) and A4 churned (A1, A2, A4): 3/8 = 0.375.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SAMPLES_CONFIG

ACCOUNTS = "account_id,name,created_at,employees\n" + "".join(f"A{i},Co {i},2023-12-01,50\n" for i in range(1, 11))
SUBSCRIPTIONS_HEAD = "subscription_id,account_id,status,started_at,canceled_at,ended_at,trial_start,trial_end,mrr\n"
SUBSCRIPTIONS = SUBSCRIPTIONS_HEAD + (
    "s1,A1,canceled,2024-01-15,2025-03-01,2025-03-15,,,100\n"
    "s2,A2,canceled,2024-01-15,2025-03-01,2025-03-15,,,100\n"
    "s3,A3,canceled,2024-01-15,2024-08-01,2024-08-15,,,100\n"
    "s4,A4,canceled,2024-01-15,2025-06-10,2025-07-10,,,100\n"
    + "".join(f"s{i},A{i},active,2024-01-15,,,,,100\n" for i in range(5, 10))
    + "s10,A10,active,2025-06-30,,,,,100\n"
)
#: A trial started in June that ends next quarter: trial_end is forward-looking, never as-of.
TRIAL = "s11,A10,trialing,2025-06-01,,,2025-06-01,2025-09-30,50\n"


def _files(tmp_path: Path, accounts: str = ACCOUNTS, subscriptions: str = SUBSCRIPTIONS) -> list[str]:
    (tmp_path / "accounts.csv").write_text(accounts)
    (tmp_path / "subscriptions.csv").write_text(subscriptions)
    return ["--accounts", str(tmp_path / "accounts.csv"), "--subscriptions", str(tmp_path / "subscriptions.csv")]


def _segment(run_cli, *args: str) -> dict:
    result = run_cli("segment", *args, "--by", "firmographic", "--min-segment-size", "0", "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def _sums_hold(report: dict) -> None:
    for name, item in report["inputs"].items():
        assert item["rows_read"] == item["rows_used"] + item["rows_rejected"] + item["rows_after_as_of"], name


def test_the_default_as_of_is_the_latest_activity_and_says_which_column(tmp_path: Path, run_cli) -> None:
    report = _segment(run_cli, *_files(tmp_path))
    assert (report["as_of"], report["as_of_source"]) == ("2025-06-30", "subscriptions.started_at")
    assert report["overall"]["churn_rate"] == 0.333333  # 3 / 9, see the module doc
    assert report["overall"]["customers"] == 7  # A4..A10: A4 (ends 2025-07-10) still pays on as-of; A10 is new


def test_a_trial_ending_next_quarter_does_not_move_as_of(tmp_path: Path, run_cli) -> None:
    report = _segment(run_cli, *_files(tmp_path, subscriptions=SUBSCRIPTIONS + TRIAL))
    assert (report["as_of"], report["as_of_source"]) == ("2025-06-30", "subscriptions.started_at")
    assert report["overall"]["churn_rate"] == 0.333333  # not 3/8 = 0.375 (as-of 2025-09-30)
    moved = _segment(run_cli, *_files(tmp_path, subscriptions=SUBSCRIPTIONS + TRIAL), "--as-of", "2025-09-30")
    assert (moved["overall"]["churn_rate"], moved["as_of_source"]) == (0.375, "--as-of")


def test_an_account_created_in_2099_is_excluded_counted_and_does_not_set_as_of(tmp_path: Path, run_cli) -> None:
    report = _segment(run_cli, *_files(tmp_path, accounts=ACCOUNTS + "A99,Typo,2099-01-01,50\n"))
    assert report["as_of"] == "2025-06-30"
    assert report["overall"]["accounts"] == 10 and report["overall"]["churn_rate"] == 0.333333
    accounts = report["inputs"]["accounts"]
    assert (accounts["rows_read"], accounts["rows_used"], accounts["rows_rejected"], accounts["rows_after_as_of"]) == (11, 10, 0, 1)
    assert accounts["after_as_of_reasons"] == {"dated after as-of": 1}
    _sums_hold(report)


def test_a_back_dated_run_excludes_later_rows_and_keeps_what_was_paying(tmp_path: Path, run_cli) -> None:
    """--as-of 2025-05-31: s10 and the trial started later (excluded, counted); s4 canceled later
    and was paying then (its canceled_at and ended_at were not known on as-of). The period is
    2024-06-01..2025-05-31: 9 at start (A1..A9), churned A1, A2, A3: 3/9; customers A4..A9 = 6."""
    report = _segment(run_cli, *_files(tmp_path, subscriptions=SUBSCRIPTIONS + TRIAL), "--as-of", "2025-05-31")
    subs = report["inputs"]["subscriptions"]
    assert (subs["rows_read"], subs["rows_used"], subs["rows_rejected"], subs["rows_after_as_of"]) == (11, 9, 0, 2)
    assert subs["cells_after_as_of"] == {"canceled_at": 1, "ended_at": 1, "status (ended after as-of: read as active)": 1}
    assert report["overall"]["churn_rate"] == 0.333333 and report["overall"]["customers"] == 6
    assert report["overall"]["mrr"] == 600.0
    _sums_hold(report)


def test_rows_after_as_of_never_count_toward_max_rejected(tmp_path: Path, run_cli) -> None:
    """7 of 10 accounts created after as-of, with --max-rejected 0: exit 0, not 3."""
    accounts = "account_id,name,created_at,employees\n" + "".join(
        f"A{i},Co {i},{'2023-12-01' if i <= 3 else '2025-07-15'},50\n" for i in range(1, 11))
    report = _segment(run_cli, *_files(tmp_path, accounts=accounts), "--as-of", "2025-06-30", "--max-rejected", "0")
    assert report["inputs"]["accounts"]["rows_after_as_of"] == 7
    # the subscriptions of those accounts go with them, counted, not rejected as orphans
    subs = report["inputs"]["subscriptions"]
    assert subs["after_as_of_reasons"] == {"its account was created after as-of": 7}
    assert subs["rows_rejected"] == 0 and report["overall"]["accounts"] == 3
    _sums_hold(report)


def test_validate_and_run_json_state_the_rows_after_as_of(tmp_path: Path, run_cli) -> None:
    files = _files(tmp_path, subscriptions=SUBSCRIPTIONS + TRIAL)
    result = run_cli("validate", *files, "--as-of", "2025-05-31", "--format", "json")
    summary = json.loads(result.out)
    entry = next(f for f in summary["files"] if f["table"] == "subscriptions")
    assert (entry["rows_read"], entry["rows_used"], entry["rows_rejected"], entry["rows_after_as_of"]) == (11, 9, 0, 2)
    assert summary["inputs"]["subscriptions"]["rows_after_as_of"] == 2
    text = run_cli("validate", *files, "--as-of", "2025-05-31", "--format", "table").out
    assert "rows dated after as-of (excluded, not rejected): 2" in text
    out = tmp_path / "out"
    assert run_cli("segment", *files, "--as-of", "2025-05-31", "--by", "firmographic", "--out", str(out), "--quiet").code == 0
    run = json.loads((out / "run.json").read_text())
    assert run["rows"]["subscriptions"] == {"rows_after_as_of": 2, "rows_read": 11, "rows_rejected": 0, "rows_used": 9}


def test_the_samples_back_dated_a_half_year_exit_0_with_figures(run_cli) -> None:
    """Issue 12: this exited 3 (events after as-of counted as rejected)."""
    result = run_cli("segment", "--config", SAMPLES_CONFIG, "--as-of", "2025-06-30", "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert (report["as_of"], report["as_of_source"]) == ("2025-06-30", "--as-of")
    assert report["inputs"]["events"]["rows_after_as_of"] > 9000
    assert report["inputs"]["events"]["rows_rejected"] == 2  # the file's two bad rows, as in the default run
    assert report["overall"]["customers"] > 0 and report["overall"]["churn_rate"] is not None
    _sums_hold(report)


def test_the_samples_default_as_of_comes_from_the_events(run_cli) -> None:
    result = run_cli("segment", "--config", SAMPLES_CONFIG, "--by", "firmographic", "--format", "json")
    report = json.loads(result.out)
    assert (report["as_of"], report["as_of_source"]) == ("2025-12-31", "events.timestamp")
    assert all(item["rows_after_as_of"] == 0 for item in report["inputs"].values())

"""Placement by value shapes and by ids another file holds (issue 11 item 1's remainder)."""

from __future__ import annotations

import json
from pathlib import Path

from segkit.loading.placement import place


def _reader(rows: dict[str, list[str]]):
    return lambda name: rows.get(name, [])


def test_a_required_column_without_dates_is_an_implausible_fit() -> None:
    header = ["account_id", "start_date", "mrr"]
    rows = {"account_id": ["A1", "A2", "A3"], "start_date": ["basic", "pro", "basic"], "mrr": ["10", "20", "30"]}
    placed = place(header, read_column=_reader(rows))
    subs = next(f for f in placed.ranked if f.table == "subscriptions")
    assert not subs.fits and subs.gap == "has start_date (started_at) with 0% dates"
    assert placed.best is not None and placed.best.table != "subscriptions"
    # the same names with dates in them are subscriptions
    rows["start_date"] = ["2024-01-01", "2024-02-01", "01/03/2024"]
    assert place(header, read_column=_reader(rows)).best.table == "subscriptions"


def test_values_settle_a_tie_of_names() -> None:
    header = ["account_id", "created_at", "amount", "priority"]  # deals and tickets map three columns each
    dates = ["2024-01-01", "2024-01-02"]
    words = _reader({"account_id": ["A1", "A2"], "created_at": dates, "amount": ["large", "small"], "priority": ["high", "low"]})
    placed = place(header, read_column=words)
    assert placed.best.table == "tickets" and placed.tied == ()
    money = _reader({"account_id": ["A1", "A2"], "created_at": dates, "amount": ["$1,200.00", "90"], "priority": ["high", "low"]})
    assert place(header, read_column=money).tied  # both fit their values: still a tie


def test_a_file_of_another_files_subscription_ids_is_usage_not_subscriptions(run_cli, tmp_path: Path) -> None:
    subs = tmp_path / "a_subscriptions.csv"
    subs.write_text("subscription_id,account_id,start_date,amount\nS1,A1,2024-01-01,10\nS2,A2,2024-01-01,20\n")
    usage = tmp_path / "b_usage.csv"
    # by its names alone this fits subscriptions and events equally (four columns each)
    usage.write_text("subscription_id,account_id,start_date,amount,feature_name,usage_date\n"
                     + "".join(f"S{1 + i % 2},A{1 + i % 2},2024-01-01,1,reports,2024-03-0{1 + i % 9}\n" for i in range(12)))
    report = json.loads(run_cli("validate", subs, usage).out)
    tables = {Path(f["file"]).name: f.get("table") for f in report["files"]}
    assert tables == {"a_subscriptions.csv": "subscriptions", "b_usage.csv": "events"}, report


def test_subscriptions_with_user_ids_are_the_users_map_too(run_cli, tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id,name\nA1,One\nA2,Two\n")
    subs = tmp_path / "subscriptions.csv"
    subs.write_text("subscription_id,account_id,user_id,start_date,mrr\nS1,A1,u1,2024-01-01,10\n"
                    "S2,A1,u1,2024-03-01,10\nS3,A2,u2,2024-01-01,20\nS4,A2,u9,2024-01-01,5\nS5,A1,u9,2024-01-01,5\n")
    events = tmp_path / "events.csv"
    events.write_text("user_id,event,timestamp\nu1,login,2024-06-01\nu2,login,2024-06-02\nu2,login,2024-06-03\nu9,login,2024-06-03\n")
    out = tmp_path / "out"
    result = run_cli("segment", accounts, "--subscriptions", subs, "--events", events, "--as-of", "2024-06-30",
                     "--by", "behavioral", "--max-rejected", "1", "--min-segment-size", "0", "--out", out)
    assert result.code == 0, result.err
    report = json.loads((out / "report.json").read_text())
    users = report["inputs"]["users"]
    assert (users["rows_read"], users["rows_used"]) == (2, 2)  # u1 -> A1, u2 -> A2; u9 belongs to both
    messages = [w["message"] for w in report["warnings"]]
    assert any("2 user -> account pairs" in m and "1 user ids belong to several accounts" in m for m in messages), messages
    assert report["inputs"]["events"]["rows_used"] == 3  # u9's event reaches no account


def test_a_file_placed_by_content_names_the_columns_it_does_not_read(run_cli, tmp_path: Path) -> None:
    subs = tmp_path / "subs.csv"
    subs.write_text("subscription_id,account_id,start_date,mrr_amount,upgrade_flag,sales_rep\nS1,A1,2024-01-01,10,False,Ann\n")
    report = json.loads(run_cli("validate", subs).out)
    notes = report["files"][0]["notes"]
    assert any("columns not used by the subscriptions table: upgrade_flag, sales_rep" in n for n in notes), notes

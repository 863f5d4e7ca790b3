"""Issue 10, items 7, 8 and 12 through the user's path: tiny real-shaped files run by `segkit`.

Each test states its arithmetic in the docstring; files use the vendors' documented export
columns (REFERENCE-FORMATS 1.3/1.4 Salesforce, 1.2 HubSpot, 2.1 Stripe) or segkit's canonical
names.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def _report(run_cli, tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "out"
    result = run_cli("segment", *args, "--out", out, "--format", "json", "--min-segment-size", "0")
    assert result.code == 0, result.err
    return json.loads((out / "report.json").read_text())


# --- item 7: one --max-rejected rule in segment and validate ------------------------------------


def test_all_subscriptions_orphaned_exits_3_in_segment_as_in_validate(tmp_path: Path, run_cli) -> None:
    """3 accounts a1..a3; 4 subscriptions of x1..x4, none of them known: 4 of 4 rows (100%) are
    rejected, more than the default 5%: both commands exit 3 naming the file and the reason."""
    accounts = _write(tmp_path / "accounts.csv", "account_id,created_at", [f"a{i},2024-01-01" for i in (1, 2, 3)])
    subs = _write(tmp_path / "subscriptions.csv", "account_id,started_at,ended_at,amount,interval,status",
                  [f"x{i},2024-02-01,,100,month,active" for i in (1, 2, 3, 4)])
    segment = run_cli("segment", accounts, subs, "--as-of", "2024-12-31", "--by", "value", "--out", tmp_path / "o", "--format", "json")
    assert segment.code == 3, segment.err
    assert "subscriptions.csv" in segment.err and "4 of 4 rows rejected" in segment.err
    assert "account_id not found in the accounts table" in segment.err
    validate = run_cli("validate", accounts, subs, "--as-of", "2024-12-31", "--format", "json")
    assert validate.code == 3


def test_300_of_303_duplicate_accounts_exit_3(tmp_path: Path, run_cli) -> None:
    """303 account rows, 3 distinct ids each repeated 101 times with different names (so not
    exact duplicates, which are an export artefact): 300 rows rejected as duplicate account_id,
    300 / 303 = 99% > 5%: exit 3 (it exited 0 before)."""
    rows = [f"a{i % 3},2024-01-01,Name {i}" for i in range(303)]
    accounts = _write(tmp_path / "accounts.csv", "account_id,created_at,name", rows)
    # named with --accounts: by content alone a file whose key repeats this much is not an accounts table
    result = run_cli("segment", "--accounts", accounts, "--as-of", "2024-12-31", "--by", "value", "--out", tmp_path / "o", "--format", "json")
    assert result.code == 3, result.err
    assert "300 of 303 rows rejected" in result.err and "duplicate account_id" in result.err


def test_a_few_rejections_under_the_limit_still_run(tmp_path: Path, run_cli) -> None:
    """21 subscriptions, 1 orphaned: 1 / 21 = 4.8% <= 5%: the run goes on (exit 0)."""
    accounts = _write(tmp_path / "accounts.csv", "account_id,created_at", [f"a{i},2024-01-01" for i in range(20)])
    subs = _write(tmp_path / "subscriptions.csv", "account_id,started_at,ended_at,amount,interval,status",
                  [f"a{i},2024-02-01,,100,month,active" for i in range(20)] + ["x9,2024-02-01,,100,month,active"])
    report = _report(run_cli, tmp_path, accounts, subs, "--as-of", "2024-12-31", "--by", "value")
    assert report["inputs"]["subscriptions"]["rows_rejected"] == 1
    assert report["overall"]["mrr"] == pytest.approx(2000.0)


# --- item 8: conversion from deals, win rate -----------------------------------------------------

SF_ACCOUNTS = "Id,Name,Industry,NumberOfEmployees,BillingCountry,CreatedDate"
SF_OPPORTUNITIES = "Id,AccountId,Name,StageName,Amount,CloseDate,CreatedDate,IsClosed,IsWon"


def _salesforce(tmp_path: Path) -> tuple[Path, Path]:
    """10 accounts created 2024-01-01; 20 opportunities, 2 per account:

    - accounts 0..6: one deal Closed Won, created 2024-01-10 and closed after 30, 60, 90 (day 90
      still within 90 days), 30, 60, 90 and 120 days (account 6: won outside the window),
      amount 1000 x (i + 1); and one Closed Lost, closed 2024-03-01;
    - accounts 7..9: one Closed Lost (closed 2024-03-01) and one open deal (CloseDate
      2025-06-30 is an expected date, ahead of as-of).

    Closed: 7 won + 10 lost = 17 (the 3 open deals are not closed); the conversion arithmetic
    is in the test that uses these files.
    """
    accounts = _write(tmp_path / "sf_accounts.csv", SF_ACCOUNTS,
                      [f"001A{i:014d},Co {i},Software,50,United States,2024-01-01T00:00:00.000Z" for i in range(10)])
    rows = []
    won_days = [30, 60, 90, 30, 60, 90, 120]
    for i in range(10):
        acct = f"001A{i:014d}"
        if i < 7:
            close = (_day("2024-01-10") + won_days[i]).isoformat()
            rows.append(f"006W{i:014d},{acct},Won {i},Closed Won,{1000 * (i + 1)}.00,{close},2024-01-10T00:00:00.000Z,true,true")
        else:
            rows.append(f"006O{i:014d},{acct},Open {i},Prospecting,500.00,2025-06-30,2024-06-01T00:00:00.000Z,false,false")
        rows.append(f"006L{i:014d},{acct},Lost {i},Closed Lost,700.00,2024-03-01,2024-01-20T00:00:00.000Z,true,false")
    opportunities = _write(tmp_path / "sf_opportunities.csv", SF_OPPORTUNITIES, rows)
    return accounts, opportunities


def _day(text: str):
    import datetime as dt

    class Day(dt.date):
        def __add__(self, days: int):  # type: ignore[override]
            return dt.date.fromordinal(self.toordinal() + days)

    d = dt.date.fromisoformat(text)
    return Day(d.year, d.month, d.day)


def test_salesforce_conversion_and_win_rate_without_billing(tmp_path: Path, run_cli) -> None:
    """Window 90 days from created_at 2024-01-01, so the last day is 2024-03-31 (day 90).

    Won deals were created 2024-01-10 and closed 30/60/90/30/60/90/120 days later, i.e. on day
    39/69/99/39/69/99/129 after the account's creation: accounts 0, 1, 3, 4 converted (4).
    With --conversion-window-days 99, accounts 2 and 5 (closed on day 99) count too: 6 of 10.
    Win rate: 7 won of 17 closed = 0.411765; period 2024 (as-of 2024-12-31, 12 months) holds
    every close, so win_rate_period is the same. Average won amount: (1+...+7) x 1000 / 7 =
    4000. Median days created -> won: sorted 30,30,60,60,90,90,120 -> 60.
    """
    accounts, opportunities = _salesforce(tmp_path)
    report = _report(run_cli, tmp_path, accounts, opportunities, "--as-of", "2024-12-31", "--by", "firmographic")
    overall = report["overall"]
    assert overall["conversion_eligible"] == 10 and overall["converted"] == 4
    assert overall["conversion_rate"] == pytest.approx(0.4)
    assert overall["deals_closed"] == 17 and overall["deals_won"] == 7
    assert overall["win_rate"] == pytest.approx(7 / 17, abs=1e-6)
    assert overall["win_rate_period"] == pytest.approx(7 / 17, abs=1e-6)
    low, high = overall["win_rate_ci"]
    assert low < 7 / 17 < high
    assert overall["average_won_amount"] == pytest.approx(4000.0)
    assert overall["median_days_to_won"] == pytest.approx(60.0)
    # Per segment (one industry, one size band): the same figures.
    assert report["segmentations"]["firmographic"]["segments"][0]["win_rate"] == pytest.approx(7 / 17, abs=1e-6)
    wider = _report(run_cli, tmp_path / "w", accounts, opportunities, "--as-of", "2024-12-31", "--by", "firmographic",
                    "--set", "metrics.conversion_window_days=99")
    assert wider["overall"]["converted"] == 6


def test_win_rate_period_counts_only_deals_closed_in_the_period(tmp_path: Path, run_cli) -> None:
    """As-of 2024-12-31 with a 6-month period (2024-07-01 .. 2024-12-31): the last close is
    account 6's won deal on 2024-01-10 + 120 days = 2024-05-09, before July, so no deal closed
    in the period: win_rate_period is null (no closed deals) while win_rate stays 7 / 17."""
    accounts, opportunities = _salesforce(tmp_path)
    report = _report(run_cli, tmp_path, accounts, opportunities, "--as-of", "2024-12-31", "--by", "firmographic",
                     "--set", "metrics.period_months=6")
    assert report["overall"]["win_rate_period"] is None
    assert report["overall"]["win_rate"] == pytest.approx(7 / 17, abs=1e-6)


def test_hubspot_deals_stage_words_decide_won(tmp_path: Path, run_cli) -> None:
    """HubSpot deals (UI labels, no is_won column): 'Closed Won' x2, 'Closed Lost' x1 and one in
    'Appointment Scheduled' (open): win_rate = 2 / 3."""
    companies = _write(tmp_path / "companies.csv", '"Record ID","Company name","Create Date","Industry","Number of Employees"',
                       [f'"20000000000{i}","Co {i}","2024-01-01 00:00","Software","50"' for i in range(1, 5)])
    deals = _write(tmp_path / "deals.csv",
                   '"Record ID","Deal Name","Deal Stage","Pipeline","Amount","Close Date","Create Date","Associated Company IDs"',
                   ['"3001","a","Closed Won","Sales Pipeline","100","2024-02-01 00:00","2024-01-05 00:00","200000000001"',
                    '"3002","b","Closed Won","Sales Pipeline","300","2024-03-01 00:00","2024-01-05 00:00","200000000002"',
                    '"3003","c","Closed Lost","Sales Pipeline","200","2024-03-01 00:00","2024-01-05 00:00","200000000003"',
                    '"3004","d","Appointment Scheduled","Sales Pipeline","50","2025-03-01 00:00","2024-06-05 00:00","200000000004"'])
    report = _report(run_cli, tmp_path, companies, deals, "--as-of", "2024-12-31", "--by", "firmographic")
    assert report["overall"]["win_rate"] == pytest.approx(2 / 3, abs=1e-6)
    assert report["overall"]["average_won_amount"] == pytest.approx(200.0)


def test_conversion_is_null_with_a_reason_without_billing_or_deals(tmp_path: Path, run_cli) -> None:
    """Accounts only: nothing says who converted, so conversion_rate is null (not 0.0)."""
    accounts = _write(tmp_path / "accounts.csv", "account_id,created_at,industry,employees",
                      [f"a{i},2024-01-01,Software,50" for i in range(6)])
    report = _report(run_cli, tmp_path, accounts, "--as-of", "2024-12-31", "--by", "firmographic")
    assert report["overall"]["conversion_rate"] is None
    assert "no deals table" in report["overall"]["conversion_reason"]


def test_day_90_counts_within_the_conversion_window(tmp_path: Path, run_cli) -> None:
    """Created 2024-01-01, first paid 2024-03-31 = day 90 (2024 is a leap year: 31 + 29 + 30):
    converted with the default 90-day window."""
    accounts = _write(tmp_path / "accounts.csv", "account_id,created_at", ["a1,2024-01-01", "a2,2024-01-01"])
    subs = _write(tmp_path / "subscriptions.csv", "account_id,started_at,ended_at,amount,interval,status",
                  ["a1,2024-03-31,,100,month,active", "a2,2024-04-01,,100,month,active"])
    report = _report(run_cli, tmp_path, accounts, subs, "--as-of", "2024-12-31", "--by", "value")
    assert report["overall"]["conversion_eligible"] == 2 and report["overall"]["converted"] == 1


# --- item 12: plausibility checks ------------------------------------------------------------------


def test_checks_name_the_implausible_figures(tmp_path: Path, run_cli) -> None:
    """20 accounts, every one paying 20,000 a month (share paying 20/20 = 1 > 0.95; ARPA 20,000
    > 10,000); 5 of them also hold a second, cancelled subscription that ended in the period
    but they keep paying: churn 0 with 5 cancellations. Each check names its figure."""
    accounts = _write(tmp_path / "accounts.csv", "account_id,created_at", [f"a{i},2023-01-01" for i in range(20)])
    rows = [f"a{i},2023-02-01,,20000,month,active" for i in range(20)]
    rows += [f"a{i},2023-02-01,2024-06-30,10,month,canceled" for i in range(5)]
    subs = _write(tmp_path / "subscriptions.csv", "account_id,started_at,ended_at,amount,interval,status", rows)
    report = _report(run_cli, tmp_path, accounts, subs, "--as-of", "2024-12-31", "--by", "value")
    checks = {c["code"]: c for c in report["checks"]}
    assert set(checks) >= {"share_paying_high", "arpa_outside_norms", "churn_zero_with_cancellations"}
    assert checks["share_paying_high"]["value"] == 1.0 and checks["share_paying_high"]["figure"] == "customers / accounts"
    assert checks["arpa_outside_norms"]["value"] == pytest.approx(20000.0)
    assert "5 subscriptions" in checks["churn_zero_with_cancellations"]["message"]
    assert all(set(c) == {"code", "figure", "value", "threshold", "message"} for c in report["checks"])
    table = run_cli("segment", accounts, subs, "--as-of", "2024-12-31", "--by", "value", "--format", "table")
    assert "check share_paying_high" in table.out and "check arpa_outside_norms" in table.out


def test_concurrent_subscriptions_check(tmp_path: Path, run_cli) -> None:
    """4 accounts with 2 active 50-a-month rows each: 8 / 4 = 2 subscriptions per paying account > 1.5."""
    accounts = _write(tmp_path / "accounts.csv", "account_id,created_at", [f"a{i},2023-01-01" for i in range(4)])
    rows = [f"s{i}{j},a{i},2023-02-01,,50,month,active" for i in range(4) for j in range(2)]  # two distinct subscriptions each
    subs = _write(tmp_path / "subscriptions.csv", "subscription_id,account_id,started_at,ended_at,amount,interval,status", rows)
    report = _report(run_cli, tmp_path, accounts, subs, "--as-of", "2024-12-31", "--by", "value")
    checks = {c["code"]: c for c in report["checks"]}
    assert checks["concurrent_subscriptions"]["value"] == pytest.approx(2.0)


def test_plausible_data_has_no_checks(tmp_path: Path, run_cli) -> None:
    """10 paying accounts of 40 at 100 a month, no cancellations: nothing to flag."""
    accounts = _write(tmp_path / "accounts.csv", "account_id,created_at", [f"a{i},2023-01-01" for i in range(40)])
    subs = _write(tmp_path / "subscriptions.csv", "account_id,started_at,ended_at,amount,interval,status",
                  [f"a{i},2023-02-01,,100,month,active" for i in range(10)])
    report = _report(run_cli, tmp_path, accounts, subs, "--as-of", "2024-12-31", "--by", "value")
    assert report["checks"] == []


# --- item 9: labels read at the period start ---------------------------------------------------


def _ten_paying_five_churn(tmp_path: Path) -> tuple[Path, Path]:
    """10 accounts paying 100 a month since 2023-02-01; a0..a4 end on 2024-06-30 (churn in 2024)."""
    accounts = _write(tmp_path / "accounts.csv", "account_id,created_at", [f"a{i},2023-01-01" for i in range(10)])
    subs = _write(tmp_path / "subscriptions.csv", "account_id,started_at,ended_at,amount,interval,status",
                  [f"a{i},2023-02-01,{'2024-06-30' if i < 5 else ''},100,month,{'canceled' if i < 5 else 'active'}" for i in range(10)])
    return accounts, subs


def test_value_tiers_are_read_at_the_period_start_by_default(tmp_path: Path, run_cli) -> None:
    """At the period start (2024-01-01) all 10 pay 100, so one tier holds them all: churn 5 / 10
    = 0.5 in it. With at = "as_of" the 5 churners fall into Non-paying (churn 100%) and the paying
    tier shows churn 0: derived from the outcome, so the report warns."""
    accounts, subs = _ten_paying_five_churn(tmp_path)
    report = _report(run_cli, tmp_path, accounts, subs, "--as-of", "2024-12-31", "--by", "value")
    part = report["segmentations"]["value"]
    assert part["labels_read_at"] == "period_start"
    assert [(s["segment"], s["accounts"], s["churn_rate"]) for s in part["segments"]] == [("MRR 100-1k", 10, 0.5)]
    assert part["defined_by_outcome"] == {"conversion": "a paying tier is converted by definition"}
    assert "omitted" in part["quality"]["tests"]["conversion"]
    assert not any(w["code"] == "labels_after_outcome" for w in report["warnings"])
    late = _report(run_cli, tmp_path / "late", accounts, subs, "--as-of", "2024-12-31", "--by", "value", "--set", "segmenters.value.at=as_of")
    rates = {s["segment"]: s["churn_rate"] for s in late["segmentations"]["value"]["segments"]}
    assert rates == {"Non-paying": 1.0, "MRR 100-1k": 0.0}
    assert late["segmentations"]["value"]["labels_read_at"] == "as_of"
    assert any(w["code"] == "labels_after_outcome" and "value" in w["message"] for w in late["warnings"])
    assert "omitted" in late["segmentations"]["value"]["quality"]["tests"]["churn"]


def test_lifecycle_warns_it_is_derived_from_the_outcome_at_as_of(tmp_path: Path, run_cli) -> None:
    """lifecycle at as-of (churned accounts are a stage): a warning in every output; at the period
    start (the default) none (tests/segmenters/test_labels_at_period_start.py)."""
    accounts, subs = _ten_paying_five_churn(tmp_path)
    late = ("--set", "segmenters.lifecycle.at=as_of")
    report = _report(run_cli, tmp_path, accounts, subs, "--as-of", "2024-12-31", "--by", "lifecycle", *late)
    assert report["segmentations"]["lifecycle"]["labels_read_at"] == "as_of"
    assert any(w["code"] == "labels_after_outcome" for w in report["warnings"])
    markdown = run_cli("segment", accounts, subs, "--as-of", "2024-12-31", "--by", "lifecycle", "--format", "markdown", *late)
    assert "labels\\_after\\_outcome" in markdown.out and "churn: not tested" in markdown.out  # Markdown escapes "_"
    default = _report(run_cli, tmp_path / "default", accounts, subs, "--as-of", "2024-12-31", "--by", "lifecycle")
    assert default["segmentations"]["lifecycle"]["labels_read_at"] == "period_start"
    assert not any(w["code"] == "labels_after_outcome" for w in default["warnings"])

"""Support metrics (issue 11, item 4): exact figures through the CLI, per segment and overall, and properties."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.cli import main
from segkit.features.period import Period
from segkit.features.support import account_months, satisfaction_flags, voluntary_flags

SUPPORT = Path(__file__).resolve().parents[1] / "fixtures" / "support"
BASE = ("--accounts", SUPPORT / "accounts.csv", "--subscriptions", SUPPORT / "subscriptions.csv",
        "--users", SUPPORT / "users.csv", "--as-of", "2025-12-31", "--min-segment-size", "1",
        "--max-rejected", "0.5", "--format", "json", "--quiet")
KEYS = ("tickets", "tickets_per_account", "tickets_per_account_month", "escalation_rate", "median_resolution_hours",
        "csat", "csat_responses", "cancellations", "churn_reasons", "churn_voluntary", "churn_failed_payment")


def segment(capsys, *argv: object) -> dict:
    code = main([str(a) for a in (*argv, *BASE)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def figures(row: dict) -> dict:
    return {k: row.get(k) for k in KEYS}


def test_worked_example_overall_and_per_segment(capsys) -> None:
    report = segment(capsys, "segment", "--tickets", SUPPORT / "zendesk_tickets.csv",
                     "--cancellations", SUPPORT / "stripe_cancellations.jsonl",
                     "--by", "attribute", "--set", "segmenters.attribute.column=industry")
    # period [2025-01-01, 2026-01-01): tickets 101-105 (106 is from 2024; 107 was rejected);
    # A1 and A2 exist all 365 days, A3 from 2025-07-01 (184 days): 730 + 184 days = 30.0287 months
    assert figures(report["overall"]) == {
        "tickets": 5, "tickets_per_account": 1.666667, "tickets_per_account_month": 0.166507,
        "escalation_rate": None, "median_resolution_hours": 3.0, "csat": 0.666667, "csat_responses": 3,
        "cancellations": 2, "churn_reasons": {"payment_failed": 1, "too_expensive": 1},
        "churn_voluntary": 1, "churn_failed_payment": 1,
    }
    by_segment = {s["segment"]: figures(s) for s in report["segmentations"]["attribute"]["segments"]}
    assert by_segment["Retail"] == {  # A1: tickets 101, 102, 104; resolved in 4 h and 1 h; Good, Offered, Good
        "tickets": 3, "tickets_per_account": 3.0, "tickets_per_account_month": 0.250171,
        "escalation_rate": None, "median_resolution_hours": 2.5, "csat": 1.0, "csat_responses": 2,
        "cancellations": 1, "churn_reasons": {"payment_failed": 1}, "churn_voluntary": 0, "churn_failed_payment": 1,
    }
    assert by_segment["Software"] == {  # A2 (103: 48 h, Bad) and A3 (105 through the users table: 2 h, unrated)
        "tickets": 2, "tickets_per_account": 1.0, "tickets_per_account_month": 0.110883,
        "escalation_rate": None, "median_resolution_hours": 25.0, "csat": 0.0, "csat_responses": 1,
        "cancellations": 1, "churn_reasons": {"too_expensive": 1}, "churn_voluntary": 1, "churn_failed_payment": 0,
    }
    for key in KEYS:
        assert key in report["definitions"]


def test_escalations_from_freshdesk(capsys) -> None:
    report = segment(capsys, "segment", "--tickets", SUPPORT / "freshdesk_tickets.jsonl", "--by", "attribute",
                     "--set", "segmenters.attribute.column=industry")
    overall = report["overall"]
    assert (overall["tickets"], overall["escalation_rate"], overall["median_resolution_hours"]) == (2, 0.5, 24.0)
    assert overall["escalation_rate_ci"][0] < 0.5 < overall["escalation_rate_ci"][1]
    assert overall["csat"] is None  # no satisfaction column: CSAT is null, not 0


def _events(tmp_path: Path) -> Path:
    """A1 and A3 use the product steadily over the last 90 days (neither declining nor dormant)."""
    end = dt.date(2025, 12, 31)
    rows = [(account, "Report Viewed", (end - dt.timedelta(days=d)).isoformat() + "T12:00:00Z")
            for account in ("A1", "A3") for d in range(0, 90, 3)]
    path = tmp_path / "events.csv"
    pd.DataFrame(rows, columns=["account_id", "event", "timestamp"]).to_csv(path, index=False)
    return path


def test_tickets_feed_behaviorals_high_maintenance_group(capsys, tmp_path: Path) -> None:
    """The period's tickets are a cost column at as-of; at the period start (the default) they lie
    after the labels' date, so the group is not formed there and the report says why."""
    report = segment(capsys, "segment", "--tickets", SUPPORT / "zendesk_tickets.csv", "--events", _events(tmp_path),
                     "--by", "behavioral", "--set", "segmenters.behavioral.at=as_of", "--out", tmp_path / "out")
    behavioral = report["segmentations"]["behavioral"]
    assert behavioral["quality"]["behavioral"]["cost_column"] == "support_tickets"
    assignments = pd.read_csv(tmp_path / "out" / "assignments.csv", dtype=str).set_index("account_id")["behavioral"]
    # A1: the top MRR (500) and the most tickets of the period (3)
    assert assignments["A1"] == "High value, high maintenance"
    assert assignments["A3"] != "High value, high maintenance"
    at_start = segment(capsys, "segment", "--tickets", SUPPORT / "zendesk_tickets.csv", "--events", _events(tmp_path),
                       "--by", "behavioral", "--out", tmp_path / "start")
    facts = at_start["segmentations"]["behavioral"]["quality"]["behavioral"]
    assert facts["cost_column"] is None and "period's support load comes after it" in facts["note"]


@given(st.lists(st.sampled_from(["good", "Bad", "offered", "unoffered", "", "1", "2", "3", "4", "5", "7", "x"]), max_size=30))
@settings(max_examples=60, deadline=None)
def test_satisfaction_is_rated_only_for_known_answers(values: list[str]) -> None:
    flags = satisfaction_flags(pd.Series(values, dtype="string"))
    for value, flag in zip(values, flags):
        expected = {"good": True, "bad": False, "1": False, "2": False, "3": False, "4": True, "5": True}.get(value.lower())
        assert (pd.isna(flag) if expected is None else bool(flag) == expected)


def test_an_exports_voluntary_flag_wins_over_the_code() -> None:
    frame = pd.DataFrame({"reason_code": ["payment_failed", "cancellation_requested", "payment_disputed", None],
                          "voluntary": pd.array([True, pd.NA, pd.NA, pd.NA], dtype="boolean")})
    assert voluntary_flags(frame).tolist() == [True, True, pd.NA, pd.NA]


@given(st.lists(st.integers(min_value=-400, max_value=400), min_size=1, max_size=20))
@settings(max_examples=60, deadline=None)
def test_account_months_stay_within_the_period(offsets: list[int]) -> None:
    period = Period.ending(pd.Timestamp("2025-12-31"), 12)
    created = pd.Series([period.start + pd.Timedelta(days=d) for d in offsets], index=pd.Index([f"a{i}" for i in range(len(offsets))]))
    months = account_months(created.index, created, period)
    assert ((months >= 0) & (months <= period.months + 1e-9)).all()
    full = months[(created <= period.start).to_numpy()].tolist()
    assert full == pytest.approx([period.months] * len(full))

"""Usage rows keyed by subscription_id, weighted by a count, with durations and error counts (issue 11, item 3).

Every figure here is worked by hand from the few rows written in each test.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from segkit.config import Config
from segkit.features.events.registry import EngineOptions, duckdb_engine
from segkit.loading import LoadOptions, load_inputs

AS_OF = dt.date(2025, 6, 30)


def _files(tmp: Path) -> tuple[Path, Path, Path]:
    accounts = tmp / "accounts.csv"
    accounts.write_text("account_id,name\nA1,One\nA2,Two\n")
    subs = tmp / "subscriptions.csv"
    # S1 ended long ago: its usage still belongs to A1 (linking is by id, whatever the dates).
    # S9 belongs to an account the accounts table does not have.
    subs.write_text(
        "subscription_id,account_id,start_date,end_date,mrr_amount\n"
        "S1,A1,2023-01-01,2023-06-30,100\nS2,A1,2024-01-01,,50\nS3,A2,2024-01-01,,80\nS9,A9,2024-01-01,,10\n"
    )
    usage = tmp / "feature_usage.csv"
    usage.write_text(
        "usage_id,subscription_id,feature_name,usage_date,usage_count,usage_duration_secs,error_count\n"
        "U1,S1,reports,2025-06-01,3,600,1\n"      # line 2: A1 through S1
        "U2,S2,api,2025-06-01,,60,\n"             # line 3: A1, empty count = 1, same day as U1
        "U3,S2,api,2025-06-20,5,120,2\n"          # line 4: A1
        "U4,S3,reports,2025-06-10,2,30,0\n"       # line 5: A2
        "U5,S7,reports,2025-06-10,1,10,0\n"       # line 6: no such subscription
        "U6,S3,api,2025-06-11,-2,10,0\n"          # line 7: negative count
        "U7,S3,api,2025-06-11,nan,10,0\n"         # line 8: not a finite count
        "U8,S3,api,2025-06-11,1,-4,0\n"           # line 9: negative duration
        "U9,S9,api,2025-06-11,1,10,0\n"           # line 10: S9's account is unknown
        "U10,S2,api,2025-07-02,1,10,0\n"          # line 11: after as-of (excluded)
    )
    return accounts, subs, usage


def test_usage_by_subscription_links_weights_and_measures_by_hand(tmp_path: Path) -> None:
    accounts, subs, usage = _files(tmp_path)
    inputs = load_inputs([accounts], {"subscriptions": [subs], "events": [usage]}, Config(), LoadOptions(max_rejected=1.0))
    assert inputs.events is not None
    engine = duckdb_engine(EngineOptions(events=inputs.events))
    try:
        frame = engine.features(AS_OF, pd.Index(["A1", "A2"]), inputs.rejections).frame
    finally:
        engine.close()
    a1, a2 = frame.loc["A1"], frame.loc["A2"]
    assert (a1["event_count"], a2["event_count"]) == (3 + 1 + 5, 2)
    assert (a1["distinct_events"], a1["active_days_30"]) == (2, 2)
    assert (a1["duration_secs"], a1["duration_secs_per_active_day"]) == (780.0, 390.0)
    assert (a1["error_count"], a1["errors_per_active_day"]) == (3.0, 1.5)  # U2's empty error count adds nothing
    assert (a2["duration_secs"], a2["error_count"]) == (30.0, 0.0)
    stats = inputs.events.stats
    # rows_read 10 = used 4 + rejected 5 + after as-of 1 (U10: excluded and counted, never rejected; SPEC 6)
    assert (stats.rows_read, stats.rows_used, stats.rows_after_as_of) == (10, 4, 1)
    assert dict(stats.after_reasons) == {"timestamp after as-of": 1}
    assert dict(stats.reasons) == {
        "no account id, and its subscription_id matches no subscription": 1,
        "count, duration or error count negative, fractional (count) or not a number": 3,
        "account_id not found in the accounts table": 1,
    }
    rejected = inputs.rejections.frame()
    events = rejected[rejected["table"] == "events"].sort_values("line")
    assert events["line"].tolist() == [6, 7, 8, 9, 10]
    assert events["column"].tolist() == ["subscription_id", "count", "count", "count", "account_id"]
    assert events["value"].tolist()[0] == "S7" and events["value"].tolist()[4] == "A9"


def test_segment_reports_the_linked_usage_rows(run_cli, tmp_path: Path) -> None:
    accounts, subs, usage = _files(tmp_path)
    out = tmp_path / "out"
    result = run_cli("segment", accounts, "--subscriptions", subs, "--events", usage, "--as-of", "2025-06-30",
                     "--by", "behavioral", "--max-rejected", "1", "--min-segment-size", "0", "--out", out)
    assert result.code == 0, result.err
    report = json.loads((out / "report.json").read_text())
    info = report["inputs"]["events"]
    # The row after as-of is counted apart, never rejected (SPEC 6): 10 = 4 used + 5 rejected + 1 after as-of.
    assert (info["rows_read"], info["rows_used"], info["rows_rejected"], info["rows_after_as_of"]) == (10, 4, 5, 1)
    with (out / "rejected.csv").open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["table"] == "events"]
    assert sorted(int(r["line"]) for r in rows) == [6, 7, 8, 9, 10]  # line 11 is after as-of: not a rejection


def test_subscription_id_without_a_subscriptions_table_is_rejected_with_the_reason(tmp_path: Path) -> None:
    accounts, _, usage = _files(tmp_path)
    inputs = load_inputs([accounts], {"events": [usage]}, Config(), LoadOptions(max_rejected=1.0))
    assert inputs.events is not None
    engine = duckdb_engine(EngineOptions(events=inputs.events))
    try:
        frame = engine.features(AS_OF, pd.Index(["A1", "A2"]), inputs.rejections).frame
    finally:
        engine.close()
    assert frame.empty
    reasons = inputs.events.stats.reasons
    assert dict(reasons) == {"no account id, and its subscription_id matches no subscription": 10}
    assert any("need a subscriptions table" in note for note in inputs.events.stats.notes)


@pytest.mark.parametrize("count", ["1e400", "2.5", "-0.5"])
def test_a_count_that_is_not_a_whole_non_negative_number_rejects_the_row(tmp_path: Path, count: str) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id\nA1\n")
    usage = tmp_path / "usage.csv"
    usage.write_text(f"account_id,event,timestamp,usage_count\nA1,x,2025-06-01,{count}\nA1,x,2025-06-02,4\n")
    inputs = load_inputs([accounts], {"events": [usage]}, Config(), LoadOptions(max_rejected=1.0))
    engine = duckdb_engine(EngineOptions(events=inputs.events))
    try:
        frame = engine.features(AS_OF, pd.Index(["A1"]), inputs.rejections).frame
    finally:
        engine.close()
    assert frame.loc["A1", "event_count"] == 4
    assert inputs.events.stats.rows_used == 1

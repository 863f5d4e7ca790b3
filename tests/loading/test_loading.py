"""Loading: formats, id handling, config mapping, row accounting (with property tests)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit import api
from segkit.config import parse_config
from segkit.loading.parse import parse_datetime, parse_id, parse_number
from segkit.metrics.stats import wilson_interval


def test_ids_keep_leading_zeros_and_stay_text(tmp_path: Path):
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,employees\n00123,5\n0042,7\n")
    inputs = api.load([path])
    assert inputs.frame("accounts")["account_id"].tolist() == ["00123", "0042"]


@pytest.mark.parametrize("kind", ["csv", "csv.gz", "jsonl", "jsonl.gz", "parquet"])
def test_every_format_loads_the_same_table(tmp_path: Path, kind: str):
    frame = pd.DataFrame({"account_id": ["007", "008"], "started_at": ["2024-01-01", "2024-02-01T10:00:00Z"], "mrr": [10.5, 20.0]})
    path = tmp_path / f"subscriptions.{kind}"
    if kind.startswith("csv"):
        text = frame.to_csv(index=False)
        path.write_bytes(gzip.compress(text.encode()) if kind.endswith("gz") else text.encode())
    elif kind.startswith("jsonl"):
        text = "".join(json.dumps(r) + "\n" for r in frame.to_dict("records"))
        path.write_bytes(gzip.compress(text.encode()) if kind.endswith("gz") else text.encode())
    else:
        pq.write_table(pa.Table.from_pandas(frame), path)
    loaded = api.load([path]).frame("subscriptions")
    assert loaded["account_id"].tolist() == ["007", "008"]
    assert loaded["mrr"].tolist() == [10.5, 20.0]
    assert loaded["started_at"].dt.strftime("%Y-%m-%d %H:%M").tolist() == ["2024-01-01 00:00", "2024-02-01 10:00"]


def test_config_mapping_renames_export_columns(tmp_path: Path):
    path = tmp_path / "crm.csv"
    path.write_text("Company Key;Staff;Land\nK1;12;Germany\n")
    config = parse_config({"inputs": {"accounts": {"columns": {"account_id": "Company Key", "employees": "Staff", "country": "Land"}}}})
    frame = api.load([path], config=config).frame("accounts")
    assert frame.loc[0, "account_id"] == "K1" and frame.loc[0, "employees"] == 12 and frame.loc[0, "country"] == "Germany"


def test_bad_cells_and_rows_are_reported_with_line_and_column(tmp_path: Path):
    path = tmp_path / "subscriptions.csv"
    rows = ["account_id,started_at,mrr,plan"] + [f"a{i},2024-01-0{1 + i % 9},10,basic" for i in range(40)]
    rows += [",2024-01-01,10,basic", "b1,yesterday,10,basic", "b2,2024-01-01,50-100,basic"]
    path.write_text("\n".join(rows) + "\n")
    inputs = api.load([path], max_rejected=0.1)
    stats = inputs.stats()["subscriptions"]
    assert (stats.rows_read, stats.rows_used, stats.rows_rejected) == (43, 40, 3)
    rejected = inputs.rejections.frame()
    assert rejected[["line", "column", "value"]].astype(str).values.tolist() == [
        ["42", "account_id", ""], ["43", "started_at", "yesterday"], ["44", "mrr", "50-100"],
    ]
    assert "a range, not a number" in rejected["reason"].iloc[2]


def test_too_many_rejected_rows_is_an_input_error(run_cli, tmp_path: Path):
    path = tmp_path / "subscriptions.csv"
    path.write_text("account_id,started_at,mrr\na,2024-01-01,10\nb,never,10\n")
    result = run_cli("segment", path, "--max-rejected", "0.1")
    assert result.code == 3
    assert "1 of 2 rows rejected" in result.err and "subscriptions.csv" in result.err


def test_duplicate_account_ids_keep_the_last_and_report_the_others(tmp_path: Path):
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,employees\nA,1\nB,2\nA,3\n")
    inputs = api.load([path], max_rejected=0.5)
    assert inputs.frame("accounts").set_index("account_id")["employees"].to_dict() == {"B": 2, "A": 3}
    stats = inputs.stats()["accounts"]
    assert stats.rows_read == stats.rows_used + stats.rows_rejected == 3
    assert inputs.rejections.frame()["line"].tolist() == [2]


def test_rows_of_unknown_accounts_are_counted_not_dropped(tmp_path: Path):
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id\nA\nB\n")
    subs = tmp_path / "subscriptions.csv"
    subs.write_text("account_id,started_at,mrr\nA,2024-01-01,5\nZ,2024-01-01,5\n")
    inputs = api.load([accounts, subs], max_rejected=1.0)
    stats = inputs.stats()["subscriptions"]
    assert (stats.rows_used, stats.rows_rejected) == (1, 1)
    assert "account_id not found" in inputs.rejections.frame()["reason"].iloc[-1]


def test_naive_timestamps_take_the_timezone_option():
    parsed = parse_datetime(pd.Series(["2024-01-01 10:00", "2024-01-01T10:00:00+02:00"]), timezone="Europe/Berlin").values
    assert parsed.dt.strftime("%H:%M").tolist() == ["09:00", "08:00"]


@given(st.lists(st.text(min_size=0, max_size=12), max_size=30))
@settings(max_examples=200, deadline=None)
def test_parsers_never_raise_and_account_for_every_cell(cells: list[str]):
    series = pd.Series(cells, dtype="object")
    for parsed in (parse_number(series), parse_number(series, integer=True), parse_datetime(series), parse_id(series)):
        assert len(parsed.values) == len(cells)
        # a cell is either a value, empty, or refused with a reason: never silently lost
        present = series.astype("string").str.strip().replace("", pd.NA).notna()
        assert ((parsed.values.notna() | parsed.bad) == present).all()


@given(st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), max_size=30), st.sampled_from(["", "$", "€ "]))
@settings(max_examples=100, deadline=None)
def test_numbers_round_trip_through_text_with_currency_and_separators(values: list[float], symbol: str):
    text = pd.Series([f"{symbol}{v:,.2f}" for v in values], dtype="object")
    parsed = parse_number(text).values
    assert parsed.astype("float64").round(2).tolist() == [round(v, 2) for v in values]


@given(st.integers(min_value=0, max_value=500), st.integers(min_value=1, max_value=500))
def test_wilson_interval_contains_the_estimate(successes: int, trials: int):
    successes = min(successes, trials)
    low, high = wilson_interval(successes, trials)
    assert 0.0 <= low <= successes / trials <= high <= 1.0


def test_rows_read_equals_used_plus_rejected_for_every_input(tmp_path: Path):
    from tests.conftest import SAMPLES_CONFIG

    report = api.segment(config=SAMPLES_CONFIG)
    for table, info in report.data["inputs"].items():
        assert info["rows_read"] == info["rows_used"] + info["rows_rejected"], table


def test_a_file_named_in_the_config_and_on_the_command_line_is_read_once(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    accounts = data / "accounts.csv"
    accounts.write_text("account_id,employees\nA,1\nB,2\n")
    config = parse_config({"inputs": {"accounts": {"files": ["data/accounts.csv"]}}}, tmp_path / "segkit.toml")
    inputs = api.load([tmp_path / "data" / ".." / "data" / "accounts.csv"], config=config)
    stats = inputs.stats()["accounts"]
    assert (stats.rows_read, stats.rows_rejected) == (2, 0)

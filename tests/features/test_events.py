"""The DuckDB event features against an independent plain-pandas computation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segkit import api
from segkit.features.events.duckdb import DuckDBEngine
from segkit.loading import Rejections

AS_OF = dt.date(2025, 6, 30)


def _events(seed: int = 1, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    end = pd.Timestamp("2025-07-01", tz="UTC")
    ts = (end - pd.to_timedelta(rng.uniform(0, 200 * 86400, n), unit="s")).floor("us")
    return pd.DataFrame({
        "account_id": rng.choice([f"acc{i:03d}" for i in range(25)], n),
        "user_id": rng.choice([f"u{i}" for i in range(40)] + [None], n),
        "event": rng.choice(["open", "click", "share", "export"], n),
        "timestamp": ts,
    })


def pandas_features(events: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The feature definitions written the obvious way, as an independent check."""
    end = pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1)
    ev = events[events["timestamp"] < end].copy()
    ev["day"] = ev["timestamp"].dt.floor("D")
    g = ev.groupby("account_id")
    out = pd.DataFrame({
        "event_count": g.size(),
        "distinct_users": g["user_id"].nunique(),
        "distinct_events": g["event"].nunique(),
        "first_seen": g["timestamp"].min(),
        "last_seen": g["timestamp"].max(),
    })
    for days in (30, 90):
        recent = ev[ev["timestamp"] >= end - pd.Timedelta(days=days)]
        out[f"active_days_{days}"] = recent.groupby("account_id")["day"].nunique()
    out["events_30"] = ev[ev["timestamp"] >= end - pd.Timedelta(days=30)].groupby("account_id").size()
    prior = ev[(ev["timestamp"] >= end - pd.Timedelta(days=90)) & (ev["timestamp"] < end - pd.Timedelta(days=30))]
    out["events_prior_60"] = prior.groupby("account_id").size()
    last12 = ev[ev["timestamp"] >= end - pd.Timedelta(days=84)]
    week = ((last12["timestamp"] - (end - pd.Timedelta(days=84))) // pd.Timedelta(days=7)).astype(int)
    weekly = pd.crosstab(last12["account_id"], week).reindex(columns=range(12), fill_value=0)
    slopes = weekly.apply(lambda row: np.polyfit(np.arange(12), row.to_numpy(dtype=float), 1)[0], axis=1)
    out["trend_slope_12w"] = slopes
    out = out.fillna({"active_days_30": 0, "active_days_90": 0, "events_30": 0, "events_prior_60": 0, "trend_slope_12w": 0.0})
    return out.sort_index()


def _write(events: pd.DataFrame, path: Path, kind: str) -> None:
    if kind == "parquet":
        events.to_parquet(path)
    elif kind == "csv":
        events.assign(timestamp=events["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")).to_csv(path, index=False)
    else:
        records = events.assign(timestamp=events["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")).to_dict("records")
        path.write_text("".join(json.dumps({k: v for k, v in r.items() if not pd.isna(v)}) + "\n" for r in records))


@pytest.mark.parametrize("kind", ["parquet", "csv", "jsonl"])
def test_duckdb_features_equal_plain_pandas(tmp_path: Path, kind: str):
    events = _events()
    path = tmp_path / f"events.{kind}"
    _write(events, path, kind)
    inputs = api.load([path])
    engine = DuckDBEngine(inputs.events)
    got = engine.features(AS_OF, None, Rejections()).frame
    engine.close()
    want = pandas_features(events, AS_OF)
    assert list(got.index) == list(want.index)
    for col in want.columns:
        if col in ("first_seen", "last_seen"):
            assert (got[col].dt.tz_convert("UTC").to_numpy() == want[col].dt.tz_convert("UTC").to_numpy()).all(), col
        elif col == "trend_slope_12w":
            np.testing.assert_allclose(got[col].to_numpy(), want[col].to_numpy(), rtol=1e-9, atol=1e-12)
        else:
            assert got[col].astype("int64").tolist() == want[col].astype("int64").tolist(), col
    stats = inputs.events.stats
    assert stats.rows_read == stats.rows_used == len(events)


def test_event_rejections_are_exact_and_listed_with_lines(tmp_path: Path):
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id\nA\nB\n")
    lines = [
        {"event_id": "1", "account_id": "A", "event": "open", "timestamp": "2025-06-01T00:00:00Z"},
        {"event_id": "1", "account_id": "A", "event": "open", "timestamp": "2025-06-01T00:00:00Z"},  # duplicate id
        {"event_id": "2", "account_id": "B", "event": "open", "timestamp": "2025-06-02T00:00:00Z"},
        {"event_id": "3", "event": "open", "timestamp": "2025-06-03T00:00:00Z"},  # no account
        {"event_id": "4", "account_id": "A", "event": "open", "timestamp": "garbage"},  # bad time
        {"event_id": "5", "account_id": "Z", "event": "open", "timestamp": "2025-06-04T00:00:00Z"},  # unknown account
        {"event_id": "6", "account_id": "B", "timestamp": "2025-06-05T00:00:00Z"},  # no event name
        {"event_id": "7", "account_id": "B", "event": "open", "timestamp": "2025-08-01T00:00:00Z"},  # after as-of
    ]
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps(r) + "\n" for r in lines))
    report = api.segment([accounts, events], by=["attribute"], overrides=["segmenters.attribute.column=event_count"], as_of=AS_OF, min_segment_size=0, max_rejected=1.0)
    info = report.data["inputs"]["events"]
    # The event after as-of is excluded and counted, not rejected (SPEC 6): 8 = 2 + 5 + 1.
    assert (info["rows_read"], info["rows_used"], info["rows_rejected"], info["rows_after_as_of"]) == (8, 2, 5, 1)
    assert info["after_as_of_reasons"] == {"timestamp after as-of": 1}
    rejected = report.rejected[report.rejected["table"] == "events"]
    assert rejected["line"].tolist() == [2, 4, 5, 6, 7]
    assert rejected["reason"].tolist() == [
        "duplicate event id",
        "no account id (and no user -> account mapping)",
        "timestamp missing or not a date/time",
        "account_id not found in the accounts table",
        "missing event name",
    ]

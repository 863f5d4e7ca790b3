"""``--engine spark`` gives the same report as the embedded DuckDB engine (issue #6, part 3).

One local[2] SparkSession serves the whole module (segkit keeps one per process and master).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segkit import api
from segkit.writers.json import dumps

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (no java on PATH)"),
]

AS_OF = dt.date(2025, 6, 30)


def _log(tmp: Path, n: int = 4000, seed: int = 5) -> tuple[pd.DataFrame, Path]:
    rng = np.random.default_rng(seed)
    end = pd.Timestamp("2025-07-01", tz="UTC")
    ts = (end - pd.to_timedelta(rng.uniform(-5 * 86400, 200 * 86400, n), unit="s")).floor("us")  # some after as-of
    events = pd.DataFrame({
        "account_id": rng.choice([f"acc{i:03d}" for i in range(40)] + [None], n),  # acc030+ unknown, some missing
        "user_id": rng.choice([f"u{i}" for i in range(60)] + [None], n),
        "event": rng.choice(["open", "click", "share", "export", "invite"], n),
        "timestamp": ts,
    })
    accounts = tmp / "accounts.csv"
    accounts.write_text("account_id,name,employees\n" + "".join(f"acc{i:03d},Co {i},{10 * i + 1}\n" for i in range(30)))
    return events, accounts


def _write(events: pd.DataFrame, path: Path) -> None:
    if path.suffix == ".parquet":
        events.to_parquet(path, coerce_timestamps="us")  # Spark does not read nanosecond Parquet timestamps
    else:
        text = events.assign(timestamp=events["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        text.loc[::97, "timestamp"] = "not a time"  # unparseable: rejected with its line
        text.to_csv(path, index=False)


def _run(accounts: Path, events: Path, engine: str, out: Path) -> tuple[str, pd.DataFrame]:
    report = api.segment(
        [accounts], tables={"events": [events]}, by=["behavioral", "attribute"], as_of=AS_OF,
        # the activation event exercises the engines' own first-use query (value features)
        overrides=["segmenters.attribute.column=distinct_users", 'metrics.activation_event="share"'],
        min_segment_size=0, max_rejected=0.5,
        engine=engine, spark_master="local[2]",
    )
    api.write_outputs(report, out)
    return dumps(report.data), report.rejected


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_spark_and_duckdb_reports_are_identical(tmp_path: Path, kind: str) -> None:
    events, accounts = _log(tmp_path)
    path = tmp_path / f"events.{kind}"
    _write(events, path)
    duck, duck_rejected = _run(accounts, path, "duckdb", tmp_path / "duck")
    spark, spark_rejected = _run(accounts, path, "spark", tmp_path / "spark")
    info = json.loads(duck)["inputs"]["events"]
    assert info["rows_read"] == len(events) and info["rows_rejected"] > 0
    assert spark == duck
    assert (tmp_path / "spark" / "report.json").read_bytes() == (tmp_path / "duck" / "report.json").read_bytes()
    pd.testing.assert_frame_equal(spark_rejected, duck_rejected)


def test_spark_features_equal_duckdb_features_exactly(tmp_path: Path) -> None:
    events, accounts = _log(tmp_path, seed=9)
    path = tmp_path / "events.parquet"
    _write(events, path)
    frames = {
        engine: api.feature_set([accounts], tables={"events": [path]}, as_of=AS_OF, max_rejected=0.5, engine=engine,
                                extras=["event_detail"]).frame
        for engine in ("duckdb", "spark")
    }
    pd.testing.assert_frame_equal(frames["spark"], frames["duckdb"], check_exact=True)


def test_a_literal_path_with_glob_characters_reads_that_file_on_spark_as_on_duckdb(tmp_path: Path) -> None:
    events, accounts = _log(tmp_path, n=400)
    literal = tmp_path / "ev[1]*.csv"  # Hadoop would read ev1.csv and every ev1*.csv for this glob
    _write(events, literal)
    _write(events.iloc[:10], tmp_path / "ev1.csv")
    duck, _ = _run(accounts, literal, "duckdb", tmp_path / "duck")
    spark, _ = _run(accounts, literal, "spark", tmp_path / "spark")
    assert json.loads(duck)["inputs"]["events"]["rows_read"] == len(events)
    assert spark == duck


def test_usage_by_subscription_gives_duckdbs_report_on_spark(tmp_path: Path) -> None:
    from segkit.testing.engines import usage_log

    subs, usage = usage_log(n=600)
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id,name\n" + "".join(f"acc{i:03d},Co {i}\n" for i in range(30)))
    subs.to_csv(tmp_path / "subscriptions.csv", index=False)
    usage.to_csv(tmp_path / "usage.csv", index=False)
    reports = []
    for engine in ("duckdb", "spark"):
        report = api.segment(
            [accounts], tables={"subscriptions": [tmp_path / "subscriptions.csv"], "events": [tmp_path / "usage.csv"]},
            by=["behavioral"], as_of=AS_OF, min_segment_size=0, max_rejected=1.0, engine=engine, spark_master="local[2]",
        )
        reports.append(dumps(report.data))
    assert reports[0] == reports[1]
    assert json.loads(reports[0])["inputs"]["events"]["rows_rejected"] > 0

"""``segkit convert``: events written once as Parquet give the same features and accounting."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from segkit import api
from segkit.cli import main

AS_OF = dt.date(2025, 6, 30)


def _events_csv(path: Path) -> None:
    rows = ["event_id,account_id,user_id,event,timestamp"]
    for i in range(300):
        account = "" if i % 50 == 7 else f"a{i % 7}"
        ts = "garbage" if i % 61 == 3 else f"2025-0{1 + i % 6}-{1 + i % 27:02d}T{i % 24:02d}:00:00Z"
        rows.append(f"e{i - (i % 40 == 5)},{account},u{i % 13},ev{i % 4},{ts}")
    path.write_text("\n".join(rows) + "\n")


def test_convert_keeps_features_and_accounts_for_every_row(tmp_path: Path) -> None:
    src = tmp_path / "events.csv"
    _events_csv(src)
    out = tmp_path / "events.parquet"
    result = api.convert(tables={"events": [src]}, out=out, max_rejected=1.0)
    info = result["input"]
    assert info["rows_read"] == 300 == info["rows_used"] + info["rows_rejected"]
    assert result["rows_written"] == info["rows_used"]
    assert len(result["rejected"]) == info["rows_rejected"]
    assert set(pd.read_parquet(out).columns) == {"account_id", "user_id", "event", "event_id", "timestamp"}
    direct = api.feature_set(tables={"events": [src]}, as_of=AS_OF, max_rejected=1.0).frame
    converted = api.feature_set(tables={"events": [out]}, as_of=AS_OF, max_rejected=1.0).frame
    pd.testing.assert_frame_equal(converted, direct)


def test_convert_command_prints_the_accounting(tmp_path: Path, capsys) -> None:
    src = tmp_path / "events.csv"
    _events_csv(src)
    status = main(["convert", "--events", str(src), "--out", str(tmp_path / "e.parquet"), "--max-rejected", "1",
                   "--rejected", str(tmp_path / "rejected.csv"), "--format", "json"])
    assert status == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["table"] == "events" and summary["input"]["rows_read"] == 300
    listed = pd.read_csv(tmp_path / "rejected.csv")
    assert len(listed) == summary["input"]["rows_rejected"]

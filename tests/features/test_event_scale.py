"""Event files are read by DuckDB in bounded memory with exact rejected-row accounting (issue #3, part 5)."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import numpy as np
import pytest

from segkit import api

N = 300_000


@pytest.mark.slow
def test_large_event_file_accounting_is_exact(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id,name,employees\n" + "".join(f"a{i:04d},Co {i},{i}\n" for i in range(500)))
    account = rng.integers(0, 520, N)  # a020 of 520 ids are unknown to the accounts table
    seconds = rng.integers(1_700_000_000, 1_735_000_000, N)
    ids = np.arange(N)
    dup = rng.random(N) < 0.01
    ids[dup] = np.maximum(ids[dup] - 1, 0)  # ~1% repeat the previous event id
    no_account = rng.random(N) < 0.005
    bad_time = rng.random(N) < 0.005
    lines = ["event_id,account_id,user_id,event,timestamp"]
    for i in range(N):
        acc = "" if no_account[i] else f"a{account[i]:04d}"
        ts = "not-a-date" if bad_time[i] else str(int(seconds[i]))
        lines.append(f"e{ids[i]},{acc},u{i % 5000},Clicked,{ts}")
    path = tmp_path / "events.csv.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=1))
    report = api.segment([accounts, path], by=["firmographic"], as_of=dt.date(2025, 1, 1), max_rejected=0.2)
    events = report.data["inputs"]["events"]
    assert events["rows_read"] == N
    assert events["rows_read"] == events["rows_used"] + events["rows_rejected"]
    reasons = {r["reason"]: r["rows"] for r in events["top_rejection_reasons"]}
    assert reasons["no account id (and no user -> account mapping)"] == int(no_account.sum())
    assert reasons["timestamp missing or not a date/time"] == int((bad_time & ~no_account).sum())
    listed = report.rejected[report.rejected["table"] == "events"]
    assert len(listed) == events["rows_rejected"]

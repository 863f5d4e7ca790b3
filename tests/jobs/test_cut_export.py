"""A back-dated run gives the figures the older export would have given (issue 12 item 3).

The sample exports are cut at D as an export taken on D would be: rows whose activity lies after
D removed (companies created, subscriptions started, NPS answers submitted, events timed after
D), and the subscriptions' cancellation and end dates after D blanked with their status back to
active (on D they were still paying). ``segment --as-of D`` on the full export and on the cut one
must then give the same report.json, segments, counts and every metric; only the inputs block
(hashes, rows read, used, rejected, after as-of) may differ.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SAMPLES, SAMPLES_CONFIG

#: The cut dates: the issue's back-dated run and one a quarter earlier.
CUTS = ("2025-06-30", "2025-03-31")
BY = "firmographic,geographic,value,behavioral,nps,lifecycle,cohort,rfm"


def _end(day: str) -> pd.Timestamp:
    return pd.Timestamp(day, tz="UTC") + pd.Timedelta(days=1)


def _after(values: pd.Series, day: str) -> pd.Series:
    """Cells dated after ``day`` (UTC; naive cells are UTC, as the samples config reads them)."""
    stamps = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
    return (stamps >= _end(day)).fillna(False).astype(bool)


def cut_samples(day: str, out: Path) -> Path:
    """The sample exports as an export taken on ``day`` would be; returns a config reading them."""
    out.mkdir()
    companies = pd.read_csv(SAMPLES / "companies.csv", dtype=str, keep_default_na=False)
    companies[~_after(companies["Create Date"], day)].to_csv(out / "companies.csv", index=False)
    subs = pd.read_csv(SAMPLES / "subscriptions.csv", dtype=str, keep_default_na=False)
    subs = subs[~_after(subs["Start (UTC)"], day)].copy()
    later = pd.Series(False, index=subs.index)
    for column in ("Canceled At (UTC)", "Ended At (UTC)"):
        late = _after(subs[column], day)
        subs.loc[late, column] = ""
        later = later | late
    subs.loc[later & (subs["Status"] == "canceled"), "Status"] = "active"
    subs.to_csv(out / "subscriptions.csv", index=False)
    nps = pd.read_csv(SAMPLES / "nps.csv", dtype=str, keep_default_na=False)
    nps[~_after(nps["Submitted At"], day)].to_csv(out / "nps.csv", index=False)
    with gzip.open(SAMPLES / "events.jsonl.gz", "rt") as src, gzip.open(out / "events.jsonl.gz", "wt") as dst:
        for line in src:
            stamp = pd.to_datetime(json.loads(line).get("timestamp"), errors="coerce", utc=True)
            if pd.isna(stamp) or stamp < _end(day):
                dst.write(line)
    config = SAMPLES_CONFIG.read_text().replace("../data/samples/", f"{out.as_posix()}/")
    (out / "samples.toml").write_text(config)
    return out / "samples.toml"


def _report(run_cli, config: Path, day: str) -> dict:
    result = run_cli("segment", "--config", config, "--as-of", day, "--by", BY, "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


@pytest.mark.parametrize("day", CUTS)
def test_a_back_dated_run_equals_the_run_on_an_export_cut_at_that_date(day: str, tmp_path: Path, run_cli) -> None:
    full = _report(run_cli, SAMPLES_CONFIG, day)
    cut = _report(run_cli, cut_samples(day, tmp_path / "cut"), day)
    assert full["overall"]["customers"] > 10  # a run with figures, not an empty one
    full_inputs, cut_inputs = full.pop("inputs"), cut.pop("inputs")
    for key in sorted(set(full) | set(cut)):
        assert full.get(key) == cut.get(key), f"report.json {key!r} differs between the full and the cut export"
    # Only the row accounting differs: the full export's later rows are after as-of, not read by the cut one.
    for table, item in full_inputs.items():
        assert item["rows_read"] == item["rows_used"] + item["rows_rejected"] + item["rows_after_as_of"]
        assert item["rows_used"] == cut_inputs[table]["rows_used"], table
        assert cut_inputs[table]["rows_after_as_of"] == 0

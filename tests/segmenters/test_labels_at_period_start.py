"""Issue 10 item 9: behavioral, lifecycle, rfm and nps labels read at the period start, through `segkit segment`.

The files: 10 accounts created 2023-01-01, each paying 100 a month since 2023-02-01; a0..a4 cancel
on 2024-06-30 (the period's churners, as-of 2024-12-31, period 2024-01-01 .. 2024-12-31). a10 is
created and starts paying on 2024-03-01 (no history at the period start). Events every day from
2023-06-01 until the account's end: a0, a1, a5, a6, a7 and a10 every 2nd day ("heavy"), the
others every 10th day ("light").

At as-of the churners have no event in the last 90 days: behavioral puts exactly them in Dormant
(churn 5/5 = 100% by construction), lifecycle in Churned, rfm in low recency. At the period start
every one of the 10 was active: heavy ones have 15 active days in the 30 before the start
(Regular: >= 4 days but < 100 events), light ones 3 (Light). Churn per class: Regular 2/5 (a0, a1),
Light 3/5 (a2, a3, a4); 2x2 table [[2, 3], [3, 2]]: chi2 = 10 x (2x2 - 3x3)^2 / (5x5x5x5) = 0.4,
Cramér's V = sqrt(0.4 / 10) = 0.2, not 1.00.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from segkit.features.events.duckdb import DuckDBEngine

HEAVY = {0, 1, 5, 6, 7, 10}


def _files(tmp_path: Path) -> list[str]:
    accounts = ["account_id,created_at"] + [f"a{i},2023-01-01" for i in range(10)] + ["a10,2024-03-01"]
    subs = ["account_id,started_at,ended_at,amount,interval,status"]
    subs += [f"a{i},2023-02-01,{'2024-06-30' if i < 5 else ''},100,month,{'canceled' if i < 5 else 'active'}" for i in range(10)]
    subs.append("a10,2024-03-01,,100,month,active")
    events = ["account_id,event,timestamp"]
    day = dt.date(2023, 6, 1)
    while day <= dt.date(2024, 12, 31):
        offset = (day - dt.date(2023, 6, 1)).days
        for i in range(11):
            start = dt.date(2024, 3, 1) if i == 10 else dt.date(2023, 6, 1)
            end = dt.date(2024, 6, 30) if i < 5 else dt.date(2024, 12, 31)
            if start <= day <= end and offset % (2 if i in HEAVY else 10) == 0:
                events.append(f"a{i},{'report' if i % 2 else 'login'},{day}T10:00:00Z")
        day += dt.timedelta(days=1)
    tmp_path.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows in (("accounts", accounts), ("subscriptions", subs), ("events", events)):
        path = tmp_path / f"{name}.csv"
        path.write_text("\n".join(rows) + "\n")
        paths += [f"--{name}", str(path)]
    return paths


def _run(run_cli, tmp_path: Path, by: str, *extra: str) -> dict:
    result = run_cli("segment", *_files(tmp_path), "--as-of", "2024-12-31", "--by", by, "--min-segment-size", "0",
                     "--format", "json", *extra)
    assert result.code == 0, result.err
    return json.loads(result.out)


def _churn(report: dict, by: str) -> dict[str, tuple[int, float | None]]:
    return {s["segment"]: (s["accounts"], s["churn_rate"]) for s in report["segmentations"][by]["segments"]}


def _cramers_v(report: dict, by: str) -> float:
    return report["segmentations"][by]["quality"]["tests"]["churn"]["independence"]["cramers_v"]


def _warned(report: dict) -> bool:
    return any(w["code"] == "labels_after_outcome" for w in report["warnings"])


def test_behavioral_dormant_no_longer_churns_by_construction(tmp_path: Path, run_cli) -> None:
    report = _run(run_cli, tmp_path, "behavioral")
    part = report["segmentations"]["behavioral"]
    assert part["labels_read_at"] == "period_start"
    assert _churn(report, "behavioral") == {"Regular": (5, 0.4), "Light": (5, 0.6), "New in period": (1, None)}
    assert _cramers_v(report, "behavioral") == 0.2
    assert not _warned(report) and "defined_by_outcome" not in part
    late = _run(run_cli, tmp_path / "late", "behavioral", "--set", "segmenters.behavioral.at=as_of")
    assert _churn(late, "behavioral")["Dormant"] == (5, 1.0)  # the churners, and only they
    assert _warned(late) and late["segmentations"]["behavioral"]["labels_read_at"] == "as_of"


def test_lifecycle_does_not_put_the_periods_churners_in_their_own_stage(tmp_path: Path, run_cli) -> None:
    """At the start the 10 were paying for 11 months with first value: Retention (churn 5/10);
    a10 is New in period. At as-of the churners are the Churned stage (churn 100%)."""
    report = _run(run_cli, tmp_path, "lifecycle")
    assert _churn(report, "lifecycle") == {"Retention": (10, 0.5), "New in period": (1, None)}
    assert not _warned(report)
    assert list(report["segmentations"]["lifecycle"]["defined_by_outcome"]) == ["conversion"]
    late = _run(run_cli, tmp_path / "late", "lifecycle", "--set", "segmenters.lifecycle.at=as_of")
    assert _churn(late, "lifecycle")["Churned"] == (5, 1.0)
    assert _warned(late)


def test_rfm_scores_the_transactions_before_the_period_start(tmp_path: Path, run_cli) -> None:
    """Events as transactions, recency from 2024-01-01: every account was recent then; heavy ones
    score high on frequency and the light ones low, so churners spread over two segments
    (2/5 and 3/5, V 0.2). At as-of the churners' recency puts them in segments of churn 100%."""
    report = _run(run_cli, tmp_path, "rfm")
    churn = _churn(report, "rfm")
    assert churn["New in period"] == (1, None)
    assert sorted(v for _, v in churn.values() if v is not None) == [0.4, 0.6]
    assert _cramers_v(report, "rfm") == 0.2
    assert not _warned(report)
    late = _run(run_cli, tmp_path / "late", "rfm", "--set", "segmenters.rfm.at=as_of")
    assert {v for _, v in _churn(late, "rfm").values()} == {0.0, 1.0}
    assert _warned(late)


def test_period_start_events_are_computed_only_when_asked(tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run whose segmenters read nothing at the period start never asks the engine for it."""
    def refuse(self, as_of):  # noqa: ANN001
        raise AssertionError("features_at called")

    monkeypatch.setattr(DuckDBEngine, "features_at", refuse)
    _run(run_cli, tmp_path, "behavioral", "--set", "segmenters.behavioral.at=as_of")
    _run(run_cli, tmp_path / "value", "value")


def test_nps_reads_the_latest_answer_before_the_period_start(tmp_path: Path, run_cli) -> None:
    """a0 answered 10 in 2023 and 2 in 2024-03: a promoter at the start (the later answer is after
    it), a detractor at as-of. a1 first answered in 2024: No response at the start."""
    files = _files(tmp_path)
    surveys = tmp_path / "surveys.csv"
    surveys.write_text("account_id,user_id,score,responded_at\na0,u0,10,2023-11-01\na0,u0,2,2024-03-01\na1,u1,9,2024-02-01\n")
    result = run_cli("segment", *files, "--surveys", surveys, "--as-of", "2024-12-31", "--by", "nps",
                     "--min-segment-size", "0", "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    part = report["segmentations"]["nps"]
    assert part["labels_read_at"] == "period_start"
    assert {s["segment"]: s["accounts"] for s in part["segments"]} == {"Promoter": 1, "No response": 10}
    late = run_cli("segment", *files, "--surveys", surveys, "--as-of", "2024-12-31", "--by", "nps", "--min-segment-size", "0",
                   "--format", "json", "--set", "segmenters.nps.at=as_of")
    assert {s["segment"]: s["accounts"] for s in json.loads(late.out)["segmentations"]["nps"]["segments"]} == {
        "Promoter": 1, "Detractor": 1, "No response": 9}


def test_a_log_that_hardly_covers_the_period_start_is_warned(sample_dir, run_cli) -> None:
    """The sample's events cover the last 180 days (and a few planted key events): 17 events in
    the 90 days before 2025-01-01 against 5,017 in the last 90, under a tenth, so reading usage
    at the start would call accounts unused for want of data: the report says so."""
    result = run_cli("segment", "--config", sample_dir / "samples.toml", "--by", "behavioral", "--format", "json")
    assert result.code == 0, result.err
    warned = [w["message"] for w in json.loads(result.out)["warnings"] if w["code"] == "usage_before_events"]
    assert len(warned) == 1 and "17 events against 5,017 in the last 90 days" in warned[0]


def test_no_coverage_warning_when_the_log_covers_the_start(tmp_path: Path, run_cli) -> None:
    assert not any(w["code"] == "usage_before_events" for w in _run(run_cli, tmp_path, "behavioral")["warnings"])


def test_rfm_on_invoices_reads_the_payments_before_the_start_and_omits_conversion(tmp_path: Path, run_cli) -> None:
    """Invoices paid on the 1st of each month while the subscription pays (a0..a4 until 2024-06,
    the rest through 2024-12; a10 from 2024-03). Before 2024-01-01 each of a0..a9 paid 11 invoices
    of 100 (2023-02 .. 2023-12) and the last on 2023-12-01: one R, F, M for all ten, so a single
    named segment holds them (churn 5/10); a10 had no history then: New in period. A scored
    account has paid, so conversion is defined by the segmentation: omitted with the reason."""
    files = _files(tmp_path)
    rows = ["invoice_id,account_id,amount_paid,paid_at,status"]
    for i in range(11):
        month = dt.date(2024, 3, 1) if i == 10 else dt.date(2023, 2, 1)
        last = dt.date(2024, 6, 1) if i < 5 else dt.date(2024, 12, 1)
        while month <= last:
            rows.append(f"in{i}-{month:%Y%m},a{i},100,{month}T00:00:00Z,paid")
            month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    invoices = tmp_path / "invoices.csv"
    invoices.write_text("\n".join(rows) + "\n")
    result = run_cli("segment", *files, "--invoices", invoices, "--as-of", "2024-12-31", "--by", "rfm",
                     "--min-segment-size", "0", "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    churn = _churn(report, "rfm")
    assert churn.pop("New in period") == (1, None)
    assert list(churn.values()) == [(10, 0.5)]
    part = report["segmentations"]["rfm"]
    assert list(part["defined_by_outcome"]) == ["conversion"]
    assert "omitted" in part["quality"]["tests"]["conversion"]
    assert not _warned(report)


def test_cluster_reads_its_time_varying_features_at_the_period_start(tmp_path: Path, run_cli) -> None:
    """The default features present here are mrr and the event features: each is read at the
    start (mrr as mrr_start), so the clusters split heavy from light users before the churn
    (churn 2/5 and 3/5, V 0.2) instead of the churners from the rest; a10 (no MRR or events at the
    start) is a cluster of its own, with no churn trial."""
    report = _run(run_cli, tmp_path, "cluster")
    part = report["segmentations"]["cluster"]
    assert part["labels_read_at"] == "period_start" and not _warned(report)
    facts = part["quality"]["cluster"]
    assert facts["read_at_period_start"] == facts["features"] and facts["read_at_as_of"] == []
    assert sorted(v for _, v in _churn(report, "cluster").values() if v is not None) == [0.4, 0.6]
    assert _cramers_v(report, "cluster") == 0.2

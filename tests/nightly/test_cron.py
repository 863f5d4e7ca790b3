"""Cron conveniences through the CLI: --fail-on, --if-changed, --hash-ids, [segment] (item 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from segkit.writers.rundir import HISTORY_NAME, runs
from tests.conftest import REPO
from tests.nightly.conftest import copy_run, snapshot


def test_fail_on_exits_4_after_writing(run_cli, first_run, small_exports, tmp_path):
    out = copy_run(first_run, tmp_path / "out")
    churn = json.loads((out / "report.json").read_text())["overall"]["churn_rate"]
    result = run_cli("segment", *small_exports, "--out", out, "-q", "--format", "json",
                     "--fail-on", f"churn_rate>{churn / 2}", "--fail-on", f"churn_rate>{churn * 2}")
    assert result.code == 4
    assert result.err.splitlines() == [f"segkit: error: --fail-on: churn_rate>{churn / 2} at overall (outputs written)"]
    assert len(runs(out / HISTORY_NAME)) == 2 and (out / "changes.json").exists()
    assert run_cli("segment", *small_exports, "--format", "json", "-q", "--fail-on", f"churn_rate>{churn * 2}").code == 0


def test_fail_on_a_segment_and_bad_expressions(run_cli, small_exports):
    report = json.loads(run_cli("segment", *small_exports, "--format", "json", "-q", "--by", "firmographic").out)
    row = next(r for r in report["segmentations"]["firmographic"]["segments"] if r.get("mrr"))
    result = run_cli("segment", *small_exports, "--format", "json", "-q", "--by", "firmographic",
                     "--fail-on", f"segment:{row['segment']}.mrr<{row['mrr'] + 1}")
    assert result.code == 4 and f"at firmographic/{row['segment']}" in result.err
    for bad in ("churn_rate>>1", "nope>1", "segment:X.mrr"):
        bad_run = run_cli("segment", *small_exports, "-q", "--fail-on", bad)
        assert bad_run.code == 2 and len(bad_run.err.splitlines()) == 1, bad


def test_if_changed_skips_an_unchanged_run(run_cli, first_run, small_exports, tmp_path):
    out = copy_run(first_run, tmp_path / "out")
    before = snapshot(out)
    result = run_cli("segment", *small_exports, "--out", out, "--format", "json", "--if-changed")
    assert result.code == 0 and result.out == ""
    assert "unchanged since the last run; nothing to do (--if-changed)" in result.err
    assert snapshot(out) == before and len(runs(out / HISTORY_NAME)) == 1
    changed = run_cli("segment", *small_exports, "--out", out, "--format", "json", "-q", "--if-changed", "--period", "6")
    assert changed.code == 0 and changed.out and len(runs(out / HISTORY_NAME)) == 2
    assert run_cli("segment", *small_exports, "--if-changed").code == 2  # needs --out


def test_hash_ids_leave_no_account_id_in_any_output(run_cli, first_run, small_exports, tmp_path, monkeypatch):
    ids = set(pd.read_csv(first_run / "assignments.csv", dtype=str)["account_id"])
    out = tmp_path / "out"
    assert run_cli("segment", *small_exports, "--out", out, "-q", "--hash-ids").code == 2  # no key
    monkeypatch.setenv("SEGKIT_HASH_KEY", "s3cret")
    for _ in range(2):
        result = run_cli("segment", *small_exports, "--out", out, "-q", "--format", "json", "--hash-ids")
        assert result.code == 0, result.err
    hashed = pd.read_csv(out / "assignments.csv", dtype=str)["account_id"]
    assert hashed.str.fullmatch(r"[0-9a-f]{16}").all() and hashed.is_unique and len(hashed) == len(ids)
    texts = [p.read_bytes().decode("utf-8", "replace") for p in out.rglob("*") if p.is_file() and p.suffix != ".parquet"]
    texts += [pd.read_parquet(p).to_csv() for p in out.rglob("*.parquet")]
    assert not any(i in text for i in ids for text in texts)
    changes = json.loads((out / "changes.json").read_text())
    assert all(not b["changed"] and not b["appeared"] for b in changes["segmentations"].values())  # same key, same ids


def test_segment_section_sets_every_default(run_cli, tmp_path):
    telco = run_cli("segment", "--config", REPO / "configs" / "telco.toml", "--format", "json", "-q")
    assert telco.code == 0, telco.err
    assert list(json.loads(telco.out)["segmentations"]) == ["attribute"]
    config = tmp_path / "nightly.toml"
    samples = REPO / "data" / "samples"
    config.write_text(
        (REPO / "configs" / "samples.toml").read_text().replace('"../data/samples/', f'"{samples}/')
        + '\n[segment]\nby = ["firmographic"]\nout = "out"\nformat = "json"\nquiet = true\nkeep = 1\n'
        + 'period = "6m"\nfail_on = ["churn_rate>0"]\n'
    )
    result = run_cli("segment", "--config", config)
    assert result.code == 4, result.err
    report = json.loads(result.out)
    assert list(report["segmentations"]) == ["firmographic"] and report["period"]["months"] == 6
    assert (tmp_path / "out" / "report.json").exists()
    assert run_cli("segment", "--config", config, "--fail-on", "churn_rate>2", "--by", "value").code == 0  # the command line wins
    assert len(runs(tmp_path / "out" / HISTORY_NAME)) == 1


def test_if_changed_never_skips_a_run_on_standard_input(tmp_path):
    from segkit.config import Config
    from segkit.jobs.nightly import _unchanged, build_manifest
    from segkit.jobs.settings import SegmentOptions
    from segkit.writers.rundir import locked, publish

    stdin = build_manifest(["-"], None, Config(), SegmentOptions(), None)
    assert stdin["inputs_unhashed"] == ["-"] and stdin["inputs_sha256"] == {}
    files = {**stdin, "inputs_unhashed": []}
    for manifest, skipped in ((stdin, False), (files, True)):
        out = tmp_path / str(skipped)
        with locked(out) as history:
            publish(out, history, {"report.json": b"{}"}, {"manifest.json": json.dumps(manifest).encode()}, 3, ("report.json",))
            assert _unchanged(history, manifest) is skipped


def test_hash_ids_also_hash_ids_quoted_in_warnings_and_rejected_rows(run_cli, tmp_path, monkeypatch):
    """Ids in a warning (spreadsheet-number ids: "e.g. 77441001.0"), in rejected.csv under the
    export's own column name (a duplicate HubSpot "Record ID") and inside a ragged row's text."""
    accounts = tmp_path / "companies.csv"
    accounts.write_text(
        "Record ID,Company name,Number of Employees,Create Date\n"
        + "".join(f"{77441000 + i}.0,Co {i},50,2024-01-0{1 + i % 9}\n" for i in range(1, 12))
        + "77441001.0,Again,60,2024-01-02\n"  # duplicate id: rejected under "Record ID"
        + "77441005.0,Ragged,60,2024-01-02,extra\n"  # a row with too many fields: its text is in rejected.csv
    )
    subs = tmp_path / "subscriptions.csv"
    subs.write_text("account_id,started_at,mrr\n" + "".join(f"{77441000 + i},2024-02-01,100\n" for i in range(1, 12)))
    monkeypatch.setenv("SEGKIT_HASH_KEY", "s3cret")
    out = tmp_path / "out"
    args = ("segment", "--accounts", accounts, "--subscriptions", subs, "--by", "firmographic", "--max-rejected", "0.5")
    plain = run_cli(*args, "--format", "json")
    assert plain.code == 0, plain.err
    assert "77441001" in plain.err  # the ids really are quoted without --hash-ids
    result = run_cli(*args, "--out", out, "--format", "json", "--hash-ids")
    assert result.code == 0, result.err
    ids = [str(77441000 + i) for i in range(1, 12)]  # 8 digits: no hash or digest holds one by chance
    texts = [result.out, result.err] + [p.read_text(errors="replace") for p in out.rglob("*") if p.is_file() and p.suffix != ".parquet"]
    leaks = sorted({i for i in ids for text in texts if i in text})
    assert not leaks, leaks
    rejected = pd.read_csv(out / "rejected.csv", dtype=str)
    assert len(rejected) == 2 and rejected["value"].str.contains(r"[0-9a-f]{16}").all()

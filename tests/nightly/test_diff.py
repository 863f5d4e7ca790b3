"""`segkit diff` and changes.json against an independent comparison in plain pandas (items 4, 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from segkit.jobs.diff import BRIDGE, RunData, compare
from segkit.writers.rundir import HISTORY_NAME, runs
from tests.nightly.conftest import copy_run


@pytest.fixture(scope="module")
def two_runs(first_run: Path, small_exports: list[Path], tmp_path_factory) -> Path:
    import subprocess

    from tests.nightly.conftest import segkit_cmd

    out = copy_run(first_run, tmp_path_factory.mktemp("two") / "out")
    subprocess.run(segkit_cmd("segment", *small_exports, "--out", out, "-q", "--format", "json",
                              "--set", "segmenters.value.cut_points=[50,500]"), check=True, capture_output=True)
    return out


def _assignments(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "assignments.csv", dtype=str, keep_default_na=False).set_index("account_id")


def test_transitions_match_a_plain_pandas_comparison(run_cli, two_runs: Path):
    old_dir, new_dir = (r.path for r in runs(two_runs / HISTORY_NAME))
    result = run_cli("diff", old_dir, new_dir, "--format", "json")
    assert result.code == 0, result.err
    changes = json.loads(result.out)
    old, new = _assignments(old_dir), _assignments(new_dir)
    for name in ("firmographic", "geographic", "value"):
        both = old[[name]].merge(new[[name]], left_index=True, right_index=True, suffixes=("_old", "_new"))
        moved = both[both[f"{name}_old"] != both[f"{name}_new"]]
        expected = sorted((a, b, int(n)) for (a, b), n in moved.groupby([f"{name}_old", f"{name}_new"]).size().items())
        got = sorted((t["from"], t["to"], t["accounts"]) for t in changes["segmentations"][name]["transitions"])
        assert got == expected, name
        assert sorted(c["account_id"] for c in changes["segmentations"][name]["changed"]) == sorted(moved.index)
    assert changes["segmentations"]["value"]["transitions"], "the cut points moved accounts"
    assert run_cli("diff", "--out", two_runs, "--format", "json").out.count('"transitions"') == 3
    assert json.loads((two_runs / "changes.json").read_text())["segmentations"] == changes["segmentations"]


def test_every_bridge_reconciles_and_mix_plus_rate_is_the_change(run_cli, two_runs: Path):
    changes = json.loads(run_cli("diff", "--out", two_runs, "--format", "json").out)
    report = json.loads((two_runs / "report.json").read_text())
    for name, block in changes["segmentations"].items():
        for row in block["bridge"]:
            total = row["start"] + row["new"] + row["expansion"] + row["reactivation"] - row["contraction"] - row["churned"] + row["moved_in"] - row["moved_out"]
            assert round(total, 2) == row["end"], (name, row)
        assert round(sum(r["moved_in"] for r in block["bridge"]), 2) == round(sum(r["moved_out"] for r in block["bridge"]), 2)
        for kind in ("churn_rate", "nrr"):
            part = block["explained"][kind]
            assert part["mix"] + part["rate"] == pytest.approx(part["change"], abs=2e-6)
            assert part["new"] == pytest.approx(report["overall"][kind], abs=1e-6), (name, kind)


def test_csv_and_table_formats(run_cli, two_runs: Path):
    csv_out = run_cli("diff", "--out", two_runs, "--format", "csv").out.splitlines()
    assert csv_out[0] == "segmentation,account_id,change,from,to"
    changes = json.loads((two_runs / "changes.json").read_text())
    assert len(csv_out) - 1 == sum(len(b["changed"]) + len(b["appeared"]) + len(b["disappeared"]) for b in changes["segmentations"].values())
    table = run_cli("diff", "--out", two_runs, "--format", "table").out
    assert "accounts changed segment" in table and "MRR bridge" in table and "segment mix" in table
    churn = changes["overall"]["churn_rate"]
    assert (f"\n  churn_rate {churn['old']:.2%} -> {churn['new']:.2%} ({churn['change'] * 100:+.2f} pt)\n") in table


def test_diff_needs_two_runs(run_cli, first_run: Path):
    result = run_cli("diff", "--out", first_run)
    assert result.code == 2 and "needs two runs" in result.err
    assert run_cli("diff", first_run).code == 2


def _run(rows: list[tuple[str, str, float, bool]]) -> RunData:
    frame = pd.DataFrame(rows, columns=["account_id", "plan", "mrr", "ever_paid"])
    return RunData("x", frame.astype({"account_id": "string"}))


def test_bridge_lines_of_each_kind_of_change():
    old = _run([("a", "S", 100, True), ("b", "S", 50, True), ("c", "S", 30, True), ("d", "S", 0, True),
                ("e", "S", 0, False), ("f", "S", 20, True), ("g", "S", 40, True), ("h", "T", 10, True)])
    new = _run([("a", "S", 120, True), ("b", "S", 20, True), ("c", "S", 0, True), ("d", "S", 25, True),
                ("e", "S", 15, True), ("g", "T", 45, True), ("h", "S", 12, True), ("i", "S", 60, True)])
    block = compare(old, new)["segmentations"]["plan"]
    bridge = {row["segment"]: {k: row[k] for k in BRIDGE} for row in block["bridge"]}
    assert bridge["S"] == {"start": 240.0, "new": 75.0, "expansion": 22.0, "reactivation": 25.0, "contraction": 30.0,
                           "churned": 50.0, "moved_in": 10.0, "moved_out": 40.0, "end": 252.0}
    assert bridge["T"] == {"start": 10.0, "new": 0.0, "expansion": 5.0, "reactivation": 0.0, "contraction": 0.0,
                           "churned": 0.0, "moved_in": 40.0, "moved_out": 10.0, "end": 45.0}
    assert block["appeared"] == ["i"] and block["disappeared"] == ["f"]
    assert block["transitions"] == [{"from": "S", "to": "T", "accounts": 1, "mrr": 45.0}, {"from": "T", "to": "S", "accounts": 1, "mrr": 12.0}]

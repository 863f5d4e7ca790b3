"""--out DIR: the lock, the atomic set, the history, leftovers, planted symlinks (issue 12, item 1)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from segkit.writers.rundir import CURRENT, HISTORY_NAME, LOCK_NAME, locked, runs
from tests.nightly.conftest import OURS, OUTPUTS, copy_run, segkit_cmd, snapshot


def test_dir_holds_the_outputs_the_lock_and_the_history_only(first_run: Path):
    assert {p.name for p in first_run.iterdir()} == OUTPUTS | OURS
    history = first_run / HISTORY_NAME
    names = sorted(p.name for p in history.iterdir())
    assert names[0] == CURRENT and names[1] == "lock-holder.json" and len(names) == 3
    assert names[2].startswith("run-000001-")
    run = history / names[2]
    assert {p.name for p in run.iterdir()} == OUTPUTS | {"manifest.json", "accounts.parquet"}
    manifest = json.loads((run / "manifest.json").read_text())
    assert all(len(sha) == 64 for sha in manifest["inputs_sha256"].values()) and len(manifest["inputs_sha256"]) == 4
    for name in OUTPUTS:
        assert os.readlink(first_run / name) == f"{HISTORY_NAME}/{CURRENT}/{name}"


def test_second_run_keeps_history_writes_changes_and_leaves_unrelated_files(run_cli, first_run, small_exports, tmp_path):
    out = copy_run(first_run, tmp_path / "out")
    (out / "notes.txt").write_text("mine")
    before = snapshot(out)
    result = run_cli("segment", *small_exports, "--out", out, "--format", "json", "-q", "--keep", "2")
    assert result.code == 0, result.err
    after = snapshot(out)
    assert after["notes.txt"] == b"mine"
    assert after["report.json"] == before["report.json"]  # report.json: a function of inputs and options only
    changes = json.loads(after["changes.json"])
    assert set(changes["segmentations"]) == {"firmographic", "geographic", "value"}
    assert json.loads(result.out)["schema_version"]  # stdout unchanged by the history
    assert run_cli("segment", *small_exports, "--out", out, "--format", "json", "-q", "--keep", "2").code == 0
    assert [r.sequence for r in runs(out / HISTORY_NAME)] == [2, 3]


def test_an_overlapping_run_exits_75_naming_the_holder(run_cli, first_run, small_exports, tmp_path):
    out = copy_run(first_run, tmp_path / "out")
    before = snapshot(out)
    with locked(out):
        result = run_cli("segment", *small_exports, "--out", out, "-q", "--format", "json")
    assert result.code == 75
    lines = result.err.splitlines()
    assert len(lines) == 1 and f"pid {os.getpid()}, started 20" in lines[0], lines
    assert snapshot(out) == before


def test_two_concurrent_processes_one_waits_out(first_run, small_exports, tmp_path):
    out = copy_run(first_run, tmp_path / "out")
    procs = [subprocess.Popen(segkit_cmd("segment", *small_exports, "--out", out, "-q", "--format", "json"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = sorted((p.wait(timeout=600), p.stderr.read()) for p in procs)
    assert [code for code, _ in results] == [0, 75], results
    assert "holds its lock (pid " in results[1][1]
    assert {p.name for p in out.iterdir()} == OUTPUTS | OURS | {"changes.json"}


def test_leftovers_of_killed_runs_are_removed_by_the_next_run(run_cli, first_run, small_exports, tmp_path, monkeypatch):
    import tempfile

    out = copy_run(first_run, tmp_path / "out")
    history = out / HISTORY_NAME
    (history / "tmp-abc123").mkdir()
    (history / "tmp-abc123" / "report.json").write_text("{}")
    os.symlink("run-000001-x", history / "tmp-link-0123")
    (history / "run-000009-20990101T000000Z-zz").mkdir()  # renamed but never published
    dead = _dead_pid()
    (out / f".report.json.tmp-{dead}").write_text("old segkit temp")
    scratch = tmp_path / "tmp"
    (scratch / f"segkit-events-{dead}-abcd").mkdir(parents=True)
    (scratch / f"segkit-events-{os.getpid()}-live").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert run_cli("segment", *small_exports, "--out", out, "-q", "--format", "json").code == 0
    assert sorted(p.name[:11] for p in history.iterdir()) == ["current", "lock-holder", "run-000001-", "run-000002-"]
    assert not (out / f".report.json.tmp-{dead}").exists()
    assert sorted(p.name for p in scratch.iterdir()) == [f"segkit-events-{os.getpid()}-live"]


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize("planted", [LOCK_NAME, HISTORY_NAME])
def test_a_symlink_at_the_lock_or_history_is_refused(run_cli, small_exports, tmp_path, planted):
    out, victim = tmp_path / "out", tmp_path / "victim"
    out.mkdir()
    victim.mkdir()
    (victim / "keep.txt").write_text("untouched")
    os.symlink(victim if planted == HISTORY_NAME else victim / "keep.txt", out / planted)
    result = run_cli("segment", *small_exports, "--out", out, "-q", "--format", "json")
    assert result.code == 2 and "symbolic link" in result.err and len(result.err.splitlines()) == 1
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"] and (victim / "keep.txt").read_text() == "untouched"


def test_symlinks_planted_at_the_output_names_are_replaced_not_followed(run_cli, first_run, small_exports, tmp_path):
    out = copy_run(first_run, tmp_path / "out")
    victim = tmp_path / "victim"
    victim.mkdir()
    history = out / HISTORY_NAME
    for name in ("report.json", "changes.json"):
        (out / name).unlink(missing_ok=True)
        os.symlink(victim / name, out / name)
    (history / "lock-holder.json").unlink()
    os.symlink(victim / "holder", history / "lock-holder.json")
    os.symlink(victim, history / "run-000005-20990101T000000Z-ab")  # a planted run folder
    os.symlink(victim / "dir", history / "tmp-planted")
    result = run_cli("segment", *small_exports, "--out", out, "-q", "--format", "json")
    assert result.code == 0, result.err
    assert list(victim.iterdir()) == []
    assert json.loads((out / "report.json").read_text())["schema_version"]
    assert os.readlink(out / "report.json") == f"{HISTORY_NAME}/{CURRENT}/report.json"


KILL_POINTS = {
    # name: (function in segkit.writers.rundir to hook, which call kills, signal)
    "while_writing_files": ("_write_new", 4, signal.SIGKILL),
    "before_the_swap": ("_swap_link", "current", signal.SIGKILL),
    "after_the_swap": ("_unlink_absent", 1, signal.SIGKILL),
    "term_at_fsync": ("fsync_dir", 1, signal.SIGTERM),
    "int_after_the_swap": ("fsync_dir", 2, signal.SIGINT),  # fsync of the history, just after the swap
}
HOOK = """
import os, signal, sys
import segkit.writers.rundir as r
fn, when, sig = sys.argv[1], sys.argv[2], int(sys.argv[3])
orig, calls = getattr(r, fn), [0]
def hooked(*a, **k):
    calls[0] += 1
    if (when.isdigit() and calls[0] == int(when)) or (not when.isdigit() and str(a[0]).endswith(when)):
        os.kill(os.getpid(), sig)
        if sig != signal.SIGKILL:
            raise KeyboardInterrupt
    return orig(*a, **k)
setattr(r, fn, hooked)
from segkit.cli.main import main
sys.exit(main(sys.argv[4:]))
"""


def test_killed_runs_leave_a_whole_set(first_run, small_exports, tmp_path):
    """kill -9 / TERM / INT of a real run at several points: DIR shows one complete run."""
    import sys

    before = snapshot(first_run)
    procs = {}
    for name, (fn, when, sig) in KILL_POINTS.items():
        out = copy_run(first_run, tmp_path / name)
        args = ["segment", *map(str, small_exports), "--out", str(out), "-q", "--format", "json", "--by", "firmographic"]
        procs[name] = (out, subprocess.Popen([sys.executable, "-c", HOOK, fn, str(when), str(int(sig)), *args],
                                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    timed = copy_run(first_run, tmp_path / "timed_term")
    late = subprocess.Popen(segkit_cmd("segment", *small_exports, "--out", timed, "-q", "--format", "json"), stdout=subprocess.DEVNULL)
    time.sleep(2)
    late.send_signal(signal.SIGTERM)
    procs["timed_term"] = (timed, late)
    for name, (out, proc) in procs.items():
        assert proc.wait(timeout=600) != 0, name
        names = {p.name for p in out.iterdir()}
        swapped = name in ("after_the_swap", "int_after_the_swap")
        assert names == OUTPUTS | OURS | ({"changes.json"} if swapped or name == "before_the_swap" else set()), name
        now = snapshot(out)
        assert set(now) == OUTPUTS | ({"changes.json"} if swapped else set()), name  # changes.json dangles until the swap
        if not swapped:
            assert now == before, name
        assert {json.loads(now["report.json"])["schema_version"]} == {"1.0"}
        with locked(out) as history:  # what the next run does first
            leftovers = [p.name for p in history.iterdir() if p.name.startswith("tmp-")]
            assert leftovers == [], name
            assert [r.sequence for r in runs(history)] == ([1, 2] if swapped else [1]), name


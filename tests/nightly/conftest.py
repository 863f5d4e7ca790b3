"""Fixtures of the nightly-run tests: a small generated export set and a run of it in --out DIR."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from segkit.writers.rundir import HISTORY_NAME, LOCK_NAME

OUTPUTS = {"report.json", "segments.csv", "assignments.parquet", "assignments.csv", "rejected.csv", "report.html", "run.json", "cohorts.csv", "summary.md"}
OURS = {LOCK_NAME, HISTORY_NAME}


def segkit_cmd(*args: object) -> list[str]:
    return [sys.executable, "-m", "segkit", *map(str, args)]


@pytest.fixture(scope="session")
def small_exports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("exports") / "s"
    subprocess.run(segkit_cmd("sample", folder, "--accounts", "40", "--seed", "3"), check=True, capture_output=True)
    return sorted(folder.iterdir())


@pytest.fixture(scope="session")
def first_run(tmp_path_factory: pytest.TempPathFactory, small_exports: list[Path]) -> Path:
    """An --out DIR holding one complete run (copy it before changing it)."""
    out = tmp_path_factory.mktemp("first") / "out"
    subprocess.run(segkit_cmd("segment", *small_exports, "--out", out, "--format", "json", "-q"), check=True, capture_output=True)
    return out


def copy_run(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def snapshot(out: Path) -> dict[str, bytes]:
    """Every output name in DIR -> its content, read through the links (a dangling link is an absent file)."""
    return {p.name: p.read_bytes() for p in out.iterdir() if p.name not in OURS and p.exists()}

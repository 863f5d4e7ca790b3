"""Shared fixtures: the repo's sample exports, the shared datasets, and a CLI runner."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from segkit.cli import main

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
SAMPLES_CONFIG = REPO / "configs" / "samples.toml"
SHARED_DATASETS = REPO.parent / "shared" / "datasets"


def shared_dataset(*parts: str) -> Path:
    """A file of ../shared/datasets; skips (with the reason) only where ../shared is absent."""
    path = SHARED_DATASETS.joinpath(*parts)
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"../shared/datasets is not beside this checkout ({SHARED_DATASETS}); CI has it")
    assert path.exists(), f"{path} is missing from ../shared/datasets"
    return path


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):
    """Run ``segkit ARGS`` in-process and return exit code, stdout and stderr."""

    def run(*args: str) -> Result:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(int(code), captured.out, captured.err)

    return run


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    """A private copy of data/samples plus its config, so tests may write beside it."""
    target = tmp_path / "samples"
    shutil.copytree(SAMPLES, target)
    config = tmp_path / "samples.toml"
    config.write_text(SAMPLES_CONFIG.read_text().replace("../data/samples/", "samples/"))
    return tmp_path

"""Every command's --help: a one-line purpose, an Examples section whose commands run as
written (in a temporary directory holding the sample files), and help text for every option."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest
import typer.main

from segkit.cli import app
from tests.conftest import REPO

COMMANDS = sorted(typer.main.get_command(app).commands)
#: the Fader-Hardie "regular" customers of the sBG paper: alive at the start of periods 0..7
SURVIVAL = "period,alive\n" + "".join(f"{t},{n}\n" for t, n in enumerate([1000, 631, 468, 382, 326, 289, 262, 241]))


def help_text(run_cli, command: str) -> str:
    result = run_cli(command, "--help")
    assert result.code == 0, result.err
    return result.out


def examples(text: str) -> list[str]:
    """The command lines of the Examples section (lines starting with ``segkit`` after it)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("Examples"))
    found = []
    for line in lines[start + 1:]:
        if line.strip().startswith("segkit "):
            found.append(line.strip())
        elif found and not line.strip():
            break
    return found


def transactions_csv(path: Path) -> None:
    """Seeded purchases over 2025: 120 customers, a Poisson count each, gamma-distributed amounts."""
    rng = np.random.default_rng(13)
    rows = ["customer_id,date,amount"]
    days = np.datetime64("2025-01-01") + np.arange(365)
    for customer in range(120):
        first = int(rng.integers(0, 180))
        for day in sorted(rng.choice(np.arange(first, 365), size=1 + rng.poisson(3), replace=False)):
            rows.append(f"c{customer},{days[day]},{rng.gamma(2.0, 20.0):.2f}")
    path.write_text("\n".join(rows) + "\n")


@pytest.fixture
def sample_dir(tmp_path, monkeypatch) -> Path:
    """A working directory as a user has it after cloning: data/samples, configs, and the two files
    the model-fit examples name."""
    shutil.copytree(REPO / "data" / "samples", tmp_path / "data" / "samples")
    shutil.copytree(REPO / "configs", tmp_path / "configs")
    transactions_csv(tmp_path / "transactions.csv")
    (tmp_path / "survival.csv").write_text(SURVIVAL)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_a_purpose_examples_and_help_for_every_option(run_cli, command):
    text = help_text(run_cli, command)
    purpose = text.split("\n\n")[1].strip()
    assert purpose and purpose[0].isupper(), purpose
    assert examples(text), f"segkit {command} --help has no Examples"
    click_command = typer.main.get_command(app).commands[command]
    for param in click_command.params:
        assert getattr(param, "help", None), f"segkit {command}: {param.opts} has no help text"


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS)
def test_every_example_runs_as_written(run_cli, sample_dir, command):
    for line in examples(help_text(run_cli, command)):
        result = run_cli(*shlex.split(line)[1:])
        assert result.code == 0, f"{line}: exit {result.code}: {result.err}"


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_fits_80_columns(command):
    """At COLUMNS=80 (a narrow terminal, or a pipe) no --help line is wider, Examples included."""
    import os
    import subprocess
    import sys

    args = [sys.executable, "-m", "segkit", *([command] if command else []), "--help"]
    done = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "COLUMNS": "80"}, cwd=REPO)
    assert done.returncode == 0, done.stderr
    wide = [line for line in done.stdout.splitlines() if len(line) > 80]
    assert wide == [], f"segkit {command} --help at 80 columns"
    assert not command or examples(done.stdout)


def test_an_unknown_segmenter_suggests_the_closest(run_cli):
    result = run_cli("segment", "--config", REPO / "configs" / "samples.toml", "--by", "firmografic")
    assert result.code == 2
    assert "did you mean 'firmographic'?" in result.err

"""The terminal table picks the same columns as measuring every trial table would, at any width
(the columns are measured once each; tests/cli/test_terminal.py has the exact 80-column table)."""

from __future__ import annotations

import io

import pytest

from segkit import api
from segkit.writers.display import ESSENTIAL_COLUMNS, column_name, columns_for
from segkit.writers.table import _table, _width_of, fitting_columns, table_console
from tests.conftest import REPO


@pytest.fixture(scope="module")
def report():
    return api.segment(config=REPO / "configs" / "samples.toml", by=["firmographic*geographic", "value", "behavioral"])


def _measured_every_trial(report, name, console, width, plain):
    every = columns_for(report, wide=True)
    chosen = {h for h, _, _ in every if column_name(h) in ESSENTIAL_COLUMNS}
    for header, _, _ in every:
        if header not in chosen:
            trial = [c for c in every if c[0] in chosen | {header}]
            if _width_of(console, _table(report, name, trial, plain)) <= width:
                chosen.add(header)
    return [c for c in every if c[0] in chosen]


@pytest.mark.parametrize("plain", [True, False])
def test_columns_as_measuring_every_trial(report, plain):
    console = table_console(io.StringIO(), 80, not plain)
    for name in report.segmentations:
        for width in range(40, 261, 9):
            assert fitting_columns(report, name, console, width, plain) == _measured_every_trial(report, name, console, width, plain)

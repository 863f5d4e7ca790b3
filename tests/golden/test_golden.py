"""The recorded reports stay byte-identical (issue 9: the layout changes no figure).

Each case in ``cases.py`` runs through the CLI, as a user runs it, and its JSON must equal the
file recorded before the change. A commit that means to move a figure re-records the file
(``python -m tests.golden.cases --record NAME``) on its own and says why.
"""

from __future__ import annotations

import pytest

from tests.conftest import shared_dataset
from tests.golden.cases import CASES, GOLDEN, run_case


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_report_is_byte_identical_to_the_recorded_one(name: str) -> None:
    _, needs_shared = CASES[name]
    if needs_shared:
        shared_dataset()
    code, out, err = run_case(name)
    assert code == 0, err
    expected = (GOLDEN / f"{name}.json").read_text()
    assert out == expected, f"{name}: report differs from tests/golden/{name}.json"

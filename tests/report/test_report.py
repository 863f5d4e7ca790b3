"""The Report and report.json's contract (SPEC section 6), as the segment job builds them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from segkit import api
from segkit.report import clean_json
from tests.conftest import SAMPLES_CONFIG

CONTRACT_KEYS = {"schema_version", "segkit_version", "as_of", "period", "inputs", "definitions", "segmentations",
                 "overall", "warnings"}


def test_report_holds_the_contract_keys_and_sorted_assignments() -> None:
    report = api.segment(config=SAMPLES_CONFIG, by=["firmographic"])
    assert CONTRACT_KEYS <= set(report.data)
    assert set(report.data["period"]) >= {"start", "end"}
    for stats in report.data["inputs"].values():
        assert {"files", "rows_read", "rows_used", "rows_rejected"} <= set(stats)
    ids = report.assignments["account_id"].tolist()
    assert ids == sorted(ids) and list(report.assignments.columns) == ["account_id", "firmographic"]
    assert list(report.rejected.columns[:6]) == ["table", "file", "line", "column", "value", "reason"]


@given(st.floats(allow_nan=True, allow_infinity=True), st.integers(min_value=0, max_value=8))
def test_clean_json_rounds_and_nulls_what_json_cannot_hold(value: float, precision: int) -> None:
    cleaned = clean_json({"x": [value, np.float64(value), pd.NA, None]}, precision)["x"]
    if math.isfinite(value):
        assert cleaned[0] == cleaned[1] == round(value, precision)
        if cleaned[0] == 0:
            assert math.copysign(1.0, cleaned[0]) == 1.0  # no "-0.0" in report.json
    else:
        assert cleaned[0] is None and cleaned[1] is None
    assert cleaned[2] is None and cleaned[3] is None

"""The conformance kit on every registered segmenter, and on segmenters that break the contract."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from segkit.segmenters import Param, Segmenter, discover
from segkit.testing import CHECKS, check_segmenter, make_features

REGISTRY = discover()
FEATURES = make_features()


@pytest.mark.parametrize("name", sorted(REGISTRY.segmenters))
def test_every_registered_segmenter_conforms(name: str) -> None:
    passed = check_segmenter(REGISTRY.segmenters[name].cls, features=FEATURES)
    assert passed == list(CHECKS)


def test_make_features_is_seeded_and_complete() -> None:
    a, b = make_features(50, seed=3), make_features(50, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert a.index.name == "account_id" and a.index.is_unique
    for col in ("mrr", "mrr_start", "is_customer", "active_at_start", "churned_in_period", "first_paid_at", "event_count",
                "active_days_30", "events_prior_60", "nps_responses", "technologies", "first_used:Report Created"):
        assert col in a.columns
    assert {"as_of", "period_start", "survey_answer_columns"} <= set(a.attrs)


class _Good(Segmenter):
    name = "good_example"
    description = "Even or odd employee count."
    required_columns = ("employees",)
    parameters = {"labels": Param(["even", "odd"], "Two names.", lambda v: isinstance(v, list) and len(v) == 2, "a list of two names")}

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        parity = features["employees"].fillna(0).astype("int64") % 2
        return parity.map({0: self.labels[0], 1: self.labels[1]}).astype("string")


def test_a_conforming_plugin_passes() -> None:
    assert check_segmenter(_Good) == list(CHECKS)


class _Unchecked(_Good):
    name = "unchecked"
    parameters = {"labels": Param(["even", "odd"], "Two names.")}


class _Mutating(_Good):
    name = "mutating"

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        features["scratch"] = 1
        return super()._segment(features)


class _Random(_Good):
    name = "random"

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        return pd.Series(np.random.default_rng().choice(["a", "b", "c", "d"], len(features)), index=features.index)


class _BadMessage(_Good):
    name = "bad_message"

    def __init__(self, **params: Any) -> None:
        if not isinstance(params.get("labels", ["a", "b"]), list):
            raise __import__("segkit.errors", fromlist=["UsageError"]).UsageError("labels is wrong")
        super().__init__(**params)


@pytest.mark.parametrize(
    ("cls", "check", "message"),
    [
        (_Unchecked, "parameter_validation", "accepts any value"),
        (_Mutating, "no_mutation", "input frame"),
        (_Random, "deterministic", "different labels"),
        (_BadMessage, "parameter_validation", "parameter of _BadMessage must be"),
    ],
)
def test_the_kit_catches_contract_breaches(cls: type[Segmenter], check: str, message: str | None) -> None:
    with pytest.raises(AssertionError) as info:
        check_segmenter(cls)
    text = str(info.value)
    assert f"- {check}:" in text, text
    if message:
        assert message in text, text

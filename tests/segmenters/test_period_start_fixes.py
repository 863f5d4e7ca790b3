"""Issue 10 follow-ups: plan_at_start follows the billing status rule; churn_risk's "Not scored"
band is left out of the lift and quality tests (its conversion test was near-circular)."""

from __future__ import annotations

import json

import pandas as pd

from segkit.features.extra import subscription_at_start
from segkit.features.period import Period


def test_plan_at_start_keeps_the_paid_history_of_unpaid_and_paused_rows() -> None:
    """Period 2024-01-01 .. 2024-12-31. Each row paid from 2023-02-01 on the plan shown:
    u is unpaid now and p paused (no ended_at): both paid at the start, so their plan then is read
    (they were dropped as never paying); t is trialing (never paid): none; c ended in 2023: none."""
    subs = pd.DataFrame({
        "account_id": ["u", "p", "t", "c"],
        "started_at": pd.to_datetime(["2023-02-01"] * 4, utc=True),
        "ended_at": pd.to_datetime([None, None, None, "2023-10-01"], utc=True),
        "mrr": [100.0, 50.0, 10.0, 20.0],
        "plan": ["Pro", "Team", "Trial", "Basic"],
        "interval": ["month"] * 4,
        "status": ["unpaid", "paused", "trialing", "canceled"],
    })
    period = Period.ending(pd.Timestamp("2024-12-31", tz="UTC"), 12)
    at_start = subscription_at_start(subs, period)
    assert at_start["plan_at_start"].to_dict() == {"u": "Pro", "p": "Team"}


def test_churn_risk_not_scored_band_is_left_out_of_the_tests(sample_dir, run_cli) -> None:
    """The sample: 210 accounts not paying at the period start are "Not scored" (the default
    population is active_at_start); their conversion (0.31) came from that definition, so the
    band has no lift and each test says why; the scored bands are still tested."""
    result = run_cli("segment", "--config", sample_dir / "samples.toml", "--by", "churn_risk", "--format", "json")
    assert result.code == 0, result.err
    part = json.loads(result.out)["segmentations"]["churn_risk"]
    rows = {s["segment"]: s for s in part["segments"]}
    assert rows["Not scored"]["accounts"] == 210 and rows["Not scored"]["conversion_lift"] is None
    for outcome in ("churn", "conversion"):
        test = part["quality"]["tests"][outcome]
        assert "left out of the lift and quality tests" in test["omitted_segments"]["Not scored"]
        tested = {r["segment"]: r for r in test["segments"]}
        assert tested["Not scored"]["omitted"].startswith("left out of the test")
        assert tested["Medium risk"]["lift"] is not None
        assert test["trials"] == sum(r.get("trials", 0) for r in test["segments"])

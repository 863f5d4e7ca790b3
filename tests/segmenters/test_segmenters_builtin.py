"""Behaviour of the issue-4 segmenters on small hand-made frames (rules, labels, edge cases)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segkit.errors import InputDataError, UsageError
from segkit.segmenters import discover
from segkit.testing import make_features

AS_OF = pd.Timestamp("2025-12-31", tz="UTC")


def seg(name: str, **params):
    return discover().get(name)(**params)


def frame(data: dict, **attrs) -> pd.DataFrame:
    out = pd.DataFrame(data, index=pd.Index([f"a{i}" for i in range(len(next(iter(data.values()))))], dtype="string", name="account_id"))
    out.attrs.update({"as_of": AS_OF, "period_start": pd.Timestamp("2025-01-01", tz="UTC"), **attrs})
    return out


def ts(*days_before: float | None) -> pd.Series:
    return pd.Series([AS_OF - pd.Timedelta(days=d) if d is not None else pd.NaT for d in days_before]).astype("datetime64[us, UTC]").to_numpy()


def test_nps_account_class_by_share_of_respondents() -> None:
    f = frame({
        "nps_responses": [1, 1, 1, 2, 2, 2, 0, 3],
        "nps_promoters": [1, 0, 0, 1, 1, 0, 0, 2],
        "nps_detractors": [0, 0, 1, 1, 0, 1, 0, 1],
    })
    labels = seg("nps", at="as_of").fit(f).labels_.tolist()
    # P, passive, D, P+D -> 0, P+passive -> +0.5, passive+D -> -0.5, none, 2P+1D -> +1/3
    assert labels == ["Promoter", "Passive", "Detractor", "Passive", "Promoter", "Detractor", "No response", "Passive"]


def test_cohort_month_quarter_and_first_payment() -> None:
    f = frame({
        "created_at": pd.to_datetime(["2024-01-31 23:00", "2024-02-01 00:00", None], utc=True).astype("datetime64[us, UTC]"),
        "first_paid_at": pd.to_datetime(["2024-03-15", None, None], utc=True).astype("datetime64[us, UTC]"),
    })
    assert seg("cohort").fit(f).labels_.tolist() == ["2024-01", "2024-02", "No signup date"]
    assert seg("cohort", granularity="quarter").fit(f).labels_.tolist() == ["2024-Q1", "2024-Q1", "No signup date"]
    fitted = seg("cohort", by="first_payment").fit(f)
    assert fitted.labels_.tolist() == ["2024-03", "Never paid", "Never paid"]
    assert fitted.segments_ == ["2024-03", "Never paid"]


def test_behavioral_intensity_trend_and_profile() -> None:
    f = frame({
        "active_days_30": [20, 6, 1, 0, 20, 2],
        "active_days_90": [60, 15, 3, 0, 50, 10],
        "events_30": [300, 40, 2, 0, 300, 5],
        "events_prior_60": [600, 40, 4, 0, 100, 200],
        "mrr": [100.0, 50.0, 0.0, 80.0, 1000.0, 40.0],
        "support_tickets": [0, 1, 0, 0, 30, 0],
    })
    assert seg("behavioral", at="as_of", by="intensity").fit(f).labels_.tolist() == ["Power", "Regular", "Light", "Dormant", "Power", "Light"]
    assert seg("behavioral", at="as_of", by="trend").fit(f).labels_.tolist() == ["Stable", "Growing", "Too little usage", "Too little usage", "Growing", "Declining"]
    profile = seg("behavioral", at="as_of", value_quantile=0.8, cost_quantile=0.8).fit(f)
    # dormant while paying and declining while paying are at risk; the top payer with most tickets is high maintenance
    assert profile.labels_.tolist() == ["Power", "Regular", "Light", "At risk", "High value, high maintenance", "At risk"]
    assert profile.describe()["cost_column"] == "support_tickets"


def test_technographic_tools_integrations_and_adopters() -> None:
    f = frame({"technologies": ["Salesforce;Slack", "Slack", "Jira", None, "HubSpot;Jira;Slack;Zendesk;Segment;Snowflake"]})
    tools = seg("technographic", top_tools=2).fit(f)
    assert tools.tools_ == ["Slack", "Jira"]
    assert tools.labels_.tolist() == ["Slack", "Slack", "Jira", "Unknown", "Slack"]
    assert seg("technographic", tools=["Salesforce"]).fit(f).labels_.tolist() == ["Salesforce", "Other stack", "Other stack", "Unknown", "Other stack"]
    integ = seg("technographic", by="integrations").fit(f)
    assert integ.labels_.tolist() == ["1-2 integrations", "1-2 integrations", "1-2 integrations", "No integrations", "6+ integrations"]
    # A feature launched 100 days before as-of; accounts adopting it sooner rank as earlier adopters.
    n = 40
    first_seen = ts(*([400] * n))
    adopt = [100 - i for i in range(n - 5)] + [None] * 5
    g = frame({"first_seen": first_seen, "first_used:Old": ts(*([399] * n)), "first_used:New": ts(*adopt)})
    adopters = seg("technographic", by="adopter").fit(g)
    assert adopters.describe()["features_considered"] == ["New"]
    labels = adopters.labels_.tolist()
    assert labels[0] == "Innovator" and labels[-1] == "Laggard"
    order = ["Innovator", "Early adopter", "Early majority", "Late majority", "Laggard"]
    assert [order.index(x) for x in labels] == sorted(order.index(x) for x in labels)


def test_lifecycle_stages_and_conversion() -> None:
    f = frame({
        "lifecycle_stage": ["subscriber", "lead", "opportunity", "customer", "customer", "customer", "customer", "other", "customer"],
        "is_customer": [False, False, False, True, True, True, True, False, True],
        "first_paid_at": ts(None, None, None, 10, 40, 400, 400, 300, 400),
        "first_seen": ts(None, 5, None, None, 30, 390, 390, 290, 390),
        "mrr": [0, 0, 0, 50, 50, 100, 150, 0, 100.0],
        "mrr_start": [0, 0, 0, 0, 0, 100, 100, 50, 100.0],
        "nps_promoters": [0, 0, 0, 0, 0, 0, 0, 0, 1],
        "nps_detractors": [0] * 9,
        "deals_open": [0, 0, 1, 0, 0, 0, 0, 0, 0],
    })
    fitted = seg("lifecycle", at="as_of").fit(f)
    assert fitted.labels_.tolist() == ["Awareness", "Consideration", "Decision", "Onboarding", "Adoption", "Retention", "Expansion", "Churned", "Advocacy"]
    conv = {(c["from"], c["to"]): c for c in fitted.describe()["stage_conversion"]}
    assert conv[("Decision", "Onboarding")]["reached_from"] == 7 and conv[("Decision", "Onboarding")]["reached_to"] == 6
    with pytest.raises(UsageError, match="crm_stage_map"):
        seg("lifecycle", crm_stage_map={"lead": "Nowhere"})


def test_rfm_names_and_fixed_cut_points() -> None:
    f = frame({
        "last_invoice_at": ts(1, 2, 200, 300, None, 5),
        "invoices": [30, 2, 25, 1, 0, 28],
        "invoice_amount": [9000.0, 100, 8000, 50, 0, 8500],
    })
    fitted = seg("rfm", at="as_of", bins=5, recency_cut_points=[3, 10, 60, 180], frequency_cut_points=[2, 5, 10, 20], monetary_cut_points=[100, 500, 1000, 5000]).fit(f)
    assert fitted.labels_.tolist() == ["Champions", "Potential loyalists", "Can't lose them", "Hibernating", "No transactions", "Loyal"]
    assert seg("rfm", at="as_of", label="scores", recency_cut_points=[3, 10, 60, 180], frequency_cut_points=[2, 5, 10, 20], monetary_cut_points=[100, 500, 1000, 5000]).fit(f).labels_.iloc[0] == "R5 F5 M5"
    with pytest.raises(UsageError, match="bins - 1"):
        seg("rfm", recency_cut_points=[3, 10])


def test_needs_rules_and_clusters() -> None:
    answers = ["Reporting", "Reporting", "Integrations", "Automation", None, "Integrations"] * 5
    size = ["1-5", "6-20", "21+", "21+", None, "1-5"] * 5
    f = frame({"Main need": pd.array(answers, dtype="string"), "Team size": pd.array(size, dtype="string")}, survey_answer_columns=["Main need", "Team size"])
    rules = [
        {"segment": "Reporting-led", "when": {"Main need": "Reporting"}},
        {"segment": "Connectors", "when": {"Main need": ["Integrations", "Automation"], "Team size": "21+"}},
    ]
    fitted = seg("needs", rules=rules).fit(f)
    assert fitted.labels_.tolist()[:6] == ["Reporting-led", "Reporting-led", "Connectors", "Connectors", "No answer", "Other needs"]
    clusters = seg("needs", columns=["Main need"]).fit(f)
    assert set(clusters.segments_) == {"Main need: Reporting", "Main need: Integrations", "Main need: Automation", "No answer"}
    top = clusters.describe()["distinguishing_answers"]["Main need: Reporting"][0]
    assert (top["answer"], top["share"]) == ("Reporting", 1.0)
    with pytest.raises(UsageError, match="'rules' parameter of NeedsSegmenter"):
        seg("needs", rules=[{"segment": "x"}])
    with pytest.raises(InputDataError, match="no survey answer columns"):
        seg("needs").fit(frame({"x": [1, 2]}))


def test_cluster_recovers_planted_groups_and_names_them() -> None:
    rng = np.random.default_rng(1)
    mrr = np.r_[rng.normal(100, 5, 60), rng.normal(1000, 50, 40)]
    days = np.r_[rng.normal(25, 2, 60), rng.normal(3, 1, 40)]
    f = frame({"mrr": mrr, "active_days_30": days})
    fitted = seg("cluster", features=["mrr", "active_days_30"], log_transform=False).fit(f)
    assert fitted.k_ == 2
    assert fitted.silhouette_ > 0.7
    assert fitted.segments_ == ["low mrr, high active_days_30", "high mrr, low active_days_30"]
    assert fitted.labels_.value_counts().tolist() == [60, 40]
    assert seg("cluster", features=["mrr", "active_days_30"], k=3).fit(f).k_ == 3
    with pytest.raises(UsageError, match="k_max"):
        seg("cluster", k_min=5, k_max=3)


def test_churn_risk_refuses_leaky_features_and_states_its_validation() -> None:
    with pytest.raises(UsageError, match="measured after"):
        seg("churn_risk", features=["mrr", "employees"])
    with pytest.raises(UsageError, match="target"):
        seg("churn_risk", features=["churned_in_period"])
    fitted = seg("churn_risk").fit(make_features(400, seed=2))
    facts = fitted.describe()
    assert "tenure_months_at_start" in facts["features"] and "mrr" not in facts["features"]
    assert 0.5 < facts["cv_roc_auc"] <= 1 and 0 < facts["cv_brier_score"] < 0.25
    # Training accounts are banded by out-of-fold probabilities; others are not scored by default.
    assert (fitted.labels_[~make_features(400, seed=2)["active_at_start"]] == "Not scored").all()

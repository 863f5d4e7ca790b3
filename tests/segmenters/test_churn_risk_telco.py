"""churn_risk on the IBM Telco Customer Churn file: cross-validated ROC AUC of at least 0.84.

The flat-table loader path (``configs/telco.toml``) belongs to another slice, so this test builds
the feature frame from the CSV with pandas: one row per customer, index ``account_id``, the
outcome as ``churned_in_period`` and the other columns under plain names. ``TotalCharges`` is
left out: it is tenure x charges accumulated up to the snapshot, i.e. partly after the outcome.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from segkit.segmenters import discover

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
TELCO = DATASETS / "telco" / "Telco-Customer-Churn.csv"
CATEGORICAL = [
    "gender", "SeniorCitizen", "Partner", "Dependents", "PhoneService", "MultipleLines", "InternetService",
    "OnlineSecurity", "OnlineBackup", "DeviceProtection", "TechSupport", "StreamingTV", "StreamingMovies",
    "Contract", "PaperlessBilling", "PaymentMethod",
]


@pytest.fixture(scope="module")
def telco() -> pd.DataFrame:
    if not TELCO.is_file():
        pytest.skip(f"Telco dataset not found at {TELCO} (the shared datasets sit beside the repository)")
    raw = pd.read_csv(TELCO, dtype={"customerID": "string", "SeniorCitizen": "string"})
    frame = pd.DataFrame(
        {
            "churned_in_period": raw["Churn"].eq("Yes").to_numpy(),
            "tenure_months": raw["tenure"].astype("float64").to_numpy(),
            "monthly_charges": raw["MonthlyCharges"].astype("float64").to_numpy(),
            **{col.lower(): raw[col].astype("string").to_numpy() for col in CATEGORICAL},
        },
        index=pd.Index(raw["customerID"], name="account_id"),
    )
    assert len(frame) == 7043 and frame.index.is_unique
    return frame


@pytest.mark.slow
def test_churn_risk_cross_validated_auc_on_telco(telco: pd.DataFrame) -> None:
    cls = discover().get("churn_risk")
    features = ["tenure_months", "monthly_charges", *[c.lower() for c in CATEGORICAL]]
    fitted = cls(population="", features=features).fit(telco)
    facts = fitted.describe()
    assert facts["cv_folds"] == 5 and facts["training"]["accounts"] == 7043 and facts["training"]["churned"] == 1869
    assert facts["cv_roc_auc"] >= 0.84, facts["cv_roc_auc"]
    # Calibrated: far better than predicting the base rate for everyone (0.195).
    assert facts["cv_brier_score"] < 0.14
    assert facts["cv_brier_score"] < facts["cv_brier_score_baseline"]
    rates = telco["churned_in_period"].groupby(fitted.labels_).mean()
    assert rates["High risk"] > rates["Medium risk"] > rates["Low risk"]
    # Out-of-fold probabilities are calibrated: each band's mean probability is close to its churn rate.
    for band, item in facts["bands"].items():
        assert abs(item["mean_probability"] - rates[band]) < 0.05, (band, item, rates[band])

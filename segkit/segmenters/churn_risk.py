"""Churn risk: a calibrated scikit-learn model fitted on the accounts' own history, in bands.

Default set-up (the standard feature frame): the outcome is ``churned_in_period`` (a customer at
the period start who was not paying at its end), the training rows are the customers at the
period start (``active_at_start``), and the features are only facts known at the period start:

- ``mrr_start`` (MRR at the period start), ``tenure_months_at_start`` (from ``first_paid_at`` to
  the period start, derived here), ``interval_at_start`` and ``plan_at_start`` (billing interval
  and plan of the subscription paying at the start), ``events_90_before_start`` and
  ``active_days_90_before_start`` (usage in the 90 days before the start, from the event log);
- firmographics: ``employees``, ``annual_revenue``, ``industry``, ``country``.

Leakage rules: nothing measured after the cut-off may be a feature. ``mrr``, ``is_customer``,
``churn_events``, ``customer_months``, ``last_seen``, ``events_30``, ``events_prior_60``,
``active_days_30``/``_90``, ``trend_slope_12w`` and the NPS facts are measured at as-of, i.e.
after the outcome; naming one of them in ``features`` is refused unless ``allow_leaky = true``.
The target itself is never a feature.

Model: ``logistic`` (default; L2 logistic regression, ``C`` = 0.1, on standardised numbers, each non-negative
number also as log1p, and one-hot categories) or ``gradient_boosting`` (HistGradientBoosting),
wrapped in ``CalibratedClassifierCV`` (``calibration``, 3 internal folds). The report states the
``cv_folds``-fold cross-validated ROC AUC and Brier score of the whole procedure (calibration
included), from out-of-fold predictions. Each training account is banded by its out-of-fold
probability (never a prediction of a model that saw its outcome); other accounts are banded by
the final model's prediction when ``score_all`` is true, else "Not scored". Bands: low below the
first cut point, medium below the second, high from there.

Any flat table works too: ``target = "Churn"`` (bool, 0/1 or yes/no), ``population = ""`` (all
rows with a known outcome), ``features = ["tenure", "MonthlyCharges", "Contract", ...]``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from threadpoolctl import threadpool_limits

from segkit.errors import InputDataError, UsageError
from segkit.segmenters.checks import as_bool, boolean, increasing, integer, names, number, period_start, text
from segkit.segmenters.base import Param, Segmenter, one_of

LOW, MEDIUM, HIGH, NOT_SCORED = "Low risk", "Medium risk", "High risk", "Not scored"
DEFAULT_FEATURES = [
    "mrr_start", "tenure_months_at_start", "interval_at_start", "plan_at_start", "events_90_before_start",
    "active_days_90_before_start", "employees", "annual_revenue", "industry", "country",
]
LEAKY = {
    "mrr", "is_customer", "churned_in_period", "churn_events", "customer_months", "last_seen",
    "events_30", "events_prior_60", "active_days_30", "active_days_90", "trend_slope_12w", "event_count",
    "distinct_events", "distinct_users", "distinct_events_90", "nps_responses", "nps_promoters",
    "nps_detractors", "nps_mean_score", "last_invoice_at", "invoices", "invoice_amount",
}
DAYS_PER_MONTH = 365.25 / 12
MIN_ROWS = 30
MIN_PER_CLASS = 5


class ChurnRiskSegmenter(Segmenter):
    name = "churn_risk"
    description = "Calibrated churn model fitted on the accounts' own history; high / medium / low risk bands."
    extra_features = ("usage_at_start", "subscription_at_start")
    time_varying = True
    parameters = {
        "target": Param("churned_in_period", "Outcome column (bool, 0/1 or yes/no).", *text(False)),
        "population": Param("active_at_start", "Bool column selecting the training rows; empty: every row with a known outcome.", *text()),
        "features": Param([], "Feature columns (known before the outcome); empty: " + ", ".join(DEFAULT_FEATURES) + " where present.", *names()),
        "model": Param("logistic", "logistic or gradient_boosting.", *one_of("logistic", "gradient_boosting")),
        "C": Param(0.1, "Inverse L2 regularisation strength of the logistic model (smaller: simpler model).", *number(0, open_low=True)),
        "calibration": Param("sigmoid", "Probability calibration: sigmoid (Platt) or isotonic.", *one_of("sigmoid", "isotonic")),
        "cv_folds": Param(5, "Folds of the stratified cross-validation the report's AUC and Brier come from.", *integer(2, 20)),
        "band_cut_points": Param([0.2, 0.5], "Churn probabilities where medium and high risk start.", *increasing(0, 1, length=2)),
        "score_all": Param(False, "Also band accounts outside the population with the final model.", *boolean()),
        "allow_leaky": Param(False, "Allow features measured after the cut-off (see the leakage rules).", *boolean()),
        "seed": Param(0, "Random seed for the folds and the model.", *integer(0)),
    }

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        leaky = sorted(set(self.features) & (LEAKY | {self.target}))
        if self.target in self.features:
            raise UsageError(f"The 'features' parameter of ChurnRiskSegmenter must not contain the target. Got {self.features!r} instead.")
        if leaky and not self.allow_leaky:
            raise UsageError(
                f"The 'features' parameter of ChurnRiskSegmenter must hold only facts known at the cut-off; "
                f"{', '.join(leaky)} are measured after it (set allow_leaky = true to override). Got {self.features!r} instead."
            )

    def required(self) -> tuple[str, ...]:
        cols = [self.target]
        if self.features:
            cols += [c for c in self.features if c != "tenure_months_at_start"]
        return tuple(cols)

    def segment_order(self) -> list[str]:
        return [HIGH, MEDIUM, LOW, NOT_SCORED]

    # --- data -----------------------------------------------------------------------------------

    def _design(self, features: pd.DataFrame) -> pd.DataFrame:
        wanted = list(self.features) or DEFAULT_FEATURES
        frame = pd.DataFrame(index=features.index)
        for col in wanted:
            if col == "tenure_months_at_start" and col not in features:
                if "first_paid_at" not in features:
                    continue
                start = period_start(features)
                paid = pd.to_datetime(features["first_paid_at"], utc=True)
                frame[col] = ((start - paid).dt.total_seconds() / 86400 / DAYS_PER_MONTH).clip(lower=0)
                continue
            if col not in features:
                continue
            frame[col] = features[col]
        usable = [c for c in frame.columns if frame[c].notna().any()]
        if not self.features:
            usable = [c for c in usable if frame[c].nunique(dropna=True) > 1]
        if not usable:
            raise InputDataError(f"segmenter 'churn_risk' has no usable feature among {', '.join(wanted)}")
        frame = frame[usable]
        for col in frame.columns:
            if pd.api.types.is_bool_dtype(frame[col].dtype):
                frame[col] = frame[col].astype("float64")
            elif isinstance(frame[col].dtype, pd.DatetimeTZDtype):
                frame[col] = (frame[col] - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds() / 86400
            elif pd.api.types.is_numeric_dtype(frame[col].dtype):
                frame[col] = frame[col].astype("float64")
            else:
                frame[col] = frame[col].astype("string").str.strip().astype(object).where(frame[col].notna(), "(missing)")
        return frame

    def _pipeline(self, X: pd.DataFrame) -> Any:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.compose import ColumnTransformer
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

        numeric = [c for c in X.columns if X[c].dtype == "float64"]
        categorical = [c for c in X.columns if c not in numeric]
        signed = [c for c in numeric if (X[c].dropna() < 0).any()]
        transformers = []
        if numeric:
            def with_logs(values: np.ndarray) -> np.ndarray:
                nonneg = [i for i, c in enumerate(numeric) if c not in signed]
                logs = np.log1p(np.clip(values[:, nonneg], 0, None)) if nonneg else np.empty((len(values), 0))
                return np.hstack([values, logs])

            steps = [SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)]
            if self.model == "logistic":
                # add_indicator appends missing flags after the columns, so logs use the first len(numeric).
                steps.append(FunctionTransformer(lambda v: np.hstack([with_logs(v[:, : len(numeric)]), v[:, len(numeric):]])))
                steps.append(StandardScaler())
            transformers.append(("num", make_pipeline(*steps), numeric))
        if categorical:
            transformers.append(("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=5, sparse_output=False), categorical))
        prep = ColumnTransformer(transformers)
        if self.model == "logistic":
            clf = LogisticRegression(max_iter=2000, C=float(self.C))
        else:
            clf = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_depth=3, random_state=self.seed)
        return CalibratedClassifierCV(make_pipeline(prep, clf), method=self.calibration, cv=3)

    # --- fit --------------------------------------------------------------------------------------

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        from sklearn.metrics import brier_score_loss, roc_auc_score
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        y_all = as_bool(features[self.target])
        in_population = y_all.notna()
        if self.population:
            if self.population not in features:
                raise InputDataError(f"segmenter 'churn_risk': no population column {self.population!r} in the inputs (set population = \"\" to use every row)")
            in_population &= as_bool(features[self.population]).fillna(False).astype(bool)
        in_population = in_population.fillna(False).astype(bool)
        X_all = self._design(features)
        X = X_all[in_population.to_numpy()]
        y = y_all[in_population].astype(bool).to_numpy()
        positives, negatives = int(y.sum()), int((~y).sum())
        folds = min(self.cv_folds, positives, negatives)
        if len(y) < MIN_ROWS or min(positives, negatives) < max(MIN_PER_CLASS, 2):
            raise InputDataError(
                f"segmenter 'churn_risk' needs at least {MIN_ROWS} training accounts with at least {MIN_PER_CLASS} of each outcome; "
                f"got {len(y)} ({positives} churned, {negatives} retained)"
            )
        cv = StratifiedKFold(n_splits=max(2, folds), shuffle=True, random_state=self.seed)
        with threadpool_limits(limits=1):  # per-account sizes: threads only contend on a shared machine
            oof = cross_val_predict(self._pipeline(X), X, y, cv=cv, method="predict_proba")[:, 1]
            model = self._pipeline(X).fit(X, y)
        probability = pd.Series(np.nan, index=features.index, dtype="float64")
        probability[in_population.to_numpy()] = oof
        if self.score_all and (~in_population).any():
            probability[(~in_population).to_numpy()] = model.predict_proba(X_all[(~in_population).to_numpy()])[:, 1]
        self.probability_ = probability
        self.model_ = model
        self.features_used_ = list(X.columns)
        self.training_ = {"accounts": int(len(y)), "churned": positives, "base_rate": positives / len(y)}
        self.cv_auc_ = float(roc_auc_score(y, oof))
        self.cv_brier_ = float(brier_score_loss(y, oof))
        self.cv_brier_baseline_ = float(brier_score_loss(y, np.full(len(y), y.mean())))
        self.cv_folds_ = int(cv.get_n_splits())
        low, high = self.band_cut_points
        labels = np.select([probability.isna(), probability >= high, probability >= low], [NOT_SCORED, HIGH, MEDIUM], LOW)
        return pd.Series(labels, index=features.index, dtype="string")

    def _verdict(self) -> str:
        if self.cv_brier_ >= self.cv_brier_baseline_ or self.cv_auc_ < 0.6:
            return (
                "not useful: the cross-validated model does no better than the base rate "
                f"(AUC {self.cv_auc_:.2f}, Brier {self.cv_brier_:.3f} vs {self.cv_brier_baseline_:.3f} for the base rate); "
                "more history or other features are needed"
            )
        strength = "good" if self.cv_auc_ >= 0.8 else ("fair" if self.cv_auc_ >= 0.7 else "weak")
        return f"{strength} discrimination (cross-validated AUC {self.cv_auc_:.2f}); Brier {self.cv_brier_:.3f} vs {self.cv_brier_baseline_:.3f} for the base rate"

    def untested_segments(self) -> dict[str, str]:
        if NOT_SCORED not in set(self.labels_.unique()):
            return {}
        who = ("the accounts not paying at the period start, whose conversion and churn follow from that"
               if self.population == "active_at_start" else "not a risk band")
        return {NOT_SCORED: f"accounts outside the model's population ({self.population or 'rows with a known outcome'}): "
                f"{who}; left out of the lift and quality tests"}

    def labels_read_at(self) -> str:
        return "period_start"  # features known at the cut-off only (the leakage rules)

    def describe(self) -> dict[str, Any]:
        bands = {}
        for seg in self.segments_:
            p = self.probability_[self.labels_ == seg]
            bands[str(seg)] = {"accounts": int(len(p)), "mean_probability": float(p.mean()) if p.notna().any() else None}
        return {
            "target": self.target,
            "population": self.population or "all rows with a known outcome",
            "model": f"{self.model}, calibrated ({self.calibration}, 3-fold CalibratedClassifierCV)",
            "features": self.features_used_,
            "training": self.training_,
            "cv_folds": self.cv_folds_,
            "cv_roc_auc": self.cv_auc_,
            "cv_brier_score": self.cv_brier_,
            "cv_brier_score_baseline": self.cv_brier_baseline_,
            "band_cut_points": list(self.band_cut_points),
            "bands": bands,
            "verdict": self._verdict(),
            "scoring": "out-of-fold probability for training accounts" + ("; final model for the others" if self.score_all else "; others not scored"),
        }

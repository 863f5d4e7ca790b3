"""Survey facts per account: NPS responses, promoters, detractors and the mean score up to as-of."""

from __future__ import annotations

import pandas as pd

from segkit.features.period import Period


def survey_facts(surveys: pd.DataFrame | None, period: Period) -> pd.DataFrame:
    """NPS facts per account from each respondent's latest answer up to as-of."""
    if surveys is None or surveys.empty or "score" not in surveys or "account_id" not in surveys:
        return pd.DataFrame()
    answers = surveys[surveys["score"].notna() & surveys["account_id"].notna() & (surveys["responded_at"] < period.end)]
    if "user_id" in answers and answers["user_id"].notna().any():
        row_ids = pd.Series("row:" + answers.index.astype("string"), index=answers.index)
        respondent = answers["user_id"].fillna(row_ids)
        answers = answers.assign(_respondent=respondent).sort_values("responded_at", kind="stable")
        answers = answers.drop_duplicates(subset=["account_id", "_respondent"], keep="last")
    score = answers["score"].astype("float64")
    grouped = pd.DataFrame(
        {
            "account_id": answers["account_id"],
            "promoter": score >= 9,
            "detractor": score <= 6,
            "score": score,
        }
    ).groupby("account_id")
    facts = pd.DataFrame(
        {
            "nps_responses": grouped.size(),
            "nps_promoters": grouped["promoter"].sum(),
            "nps_detractors": grouped["detractor"].sum(),
            "nps_mean_score": grouped["score"].mean(),
        }
    )
    facts.index = facts.index.astype("string")
    return facts

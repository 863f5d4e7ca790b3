"""NPS of a group's survey respondents (their latest answer up to as-of)."""

from __future__ import annotations

from typing import Any

from segkit.metrics.registry import Group, metric

DEFINITIONS = {
    "nps": "% promoters (9-10) - % detractors (0-6) over each respondent's latest answer up to as-of; passives (7-8) count in the denominator only",
    "nps_responses": "respondents behind nps",
}


@metric(DEFINITIONS, suppress=("nps", "nps_responses"))
def nps(group: Group) -> dict[str, Any]:
    rows = group.rows
    if not group.features.has_surveys or "nps_responses" not in rows:
        return {}
    responses = int(rows["nps_responses"].sum())
    promoters = int(rows["nps_promoters"].sum())
    detractors = int(rows["nps_detractors"].sum())
    return {"nps_responses": responses, "nps": 100.0 * (promoters - detractors) / responses if responses else None}

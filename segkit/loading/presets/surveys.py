"""NPS survey exports (no vendor export verified: the generic NPS shape of REFERENCE-FORMATS.md 7.5).

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Header names: UI labels first, then API names; options in ``presets/base.py``.
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset


NPS_SURVEY = Preset(
    name="nps-survey",
    title="an NPS survey export",
    table="surveys",
    columns={
        "account_id": ("Company ID", "company_id", "Account ID", "account_id", "Account", "Company Record ID"),
        "user_id": ("Respondent", "Respondent Email", "email", "Email", "user_id", "User ID"),
        "responded_at": (
            "Submitted At", "submitted_at", "Response Date", "responded_at", "created_at", "Created At", "Date",
            "date", "Timestamp",
        ),
        "score": ("score", "Score", "NPS", "nps", "NPS Score", "rating", "Rating"),
        "csat": ("csat", "CSAT"),
        "ces": ("ces", "CES"),
    },
    patterns={"score": (r"how likely .*recommend.*", r".*\bnps\b.*", r".*\(0-10\).*")},
    signature=("score", "csat", "ces"),
)

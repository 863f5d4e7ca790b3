"""NPS survey exports: the generic NPS shape (REFERENCE-FORMATS.md 7.5), SurveyMonkey, Typeform, Qualtrics.

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Header names: UI labels first, then API names; options in ``presets/base.py``;
the vendors' export layouts are cited in docs/inputs.md section 6. The NPS question is a column
named by its own text in SurveyMonkey and Typeform exports ("How likely is it that you would
recommend ... ?"), found by ``NPS_QUESTION``; Qualtrics names it by its export tag (``Q1``) and
writes ``Q1_NPS_GROUP`` beside it, which is how it is found. SurveyMonkey writes a second header
row (answer labels: ``Response``, ``Open-Ended Response``) and Qualtrics two (question text, then
ImportId JSON): they are skipped and counted (``header_rows``), not read as answers. Qualtrics
marks preview, test and spam responses in ``Status`` (``Survey Preview``, ``Survey Test``,
``Spam``; 1, 2, 8 when exported as numeric values): those rows are rejected with that reason.
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset, PresetOptions

#: The NPS question's own text as a column name (matched on the normalised header).
NPS_QUESTION = (r"how likely .*recommend.*", r".*\bnps\b.*", r".*\(0-10\).*")
#: Custom variables / hidden fields / embedded data that name the respondent's account.
ACCOUNT_FIELD = (r".*(account|company|customer|org|organization|workspace|tenant)[ _-]?(id|code)\b.*",)


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
    patterns={"score": NPS_QUESTION},
    signature=("score", "csat", "ces"),
)


SURVEYMONKEY = Preset(
    name="surveymonkey-responses",
    title="a SurveyMonkey responses export (all individual responses, CSV)",
    table="surveys",
    columns={
        "account_id": ("Custom Data 1", "Custom Data"),
        "user_id": ("Email Address", "Respondent ID"),
        "responded_at": ("End Date",),
        "score": ("How likely is it that you would recommend us to a friend or colleague?",),
    },
    patterns={"score": NPS_QUESTION, "account_id": ACCOUNT_FIELD},
    signature=("score",),
    options=PresetOptions(date_format="%m/%d/%Y %I:%M:%S %p", header_rows=1),
)


TYPEFORM = Preset(
    name="typeform-responses",
    title="a Typeform responses export (CSV)",
    table="surveys",
    columns={
        "account_id": ("account_id", "company_id", "account", "company"),
        "user_id": ("email", "user_id", "#"),
        "responded_at": ("Submit Date (UTC)",),
        "score": ("How likely are you to recommend us to a friend or colleague?",),
    },
    patterns={"score": NPS_QUESTION, "account_id": ACCOUNT_FIELD},
    signature=("score",),
)


QUALTRICS = Preset(
    name="qualtrics-responses",
    title="a Qualtrics responses export (CSV, three header rows)",
    table="surveys",
    columns={
        "account_id": ("account_id", "AccountID", "company_id", "ExternalReference", "ExternalDataReference"),
        "user_id": ("RecipientEmail", "ResponseId"),
        "responded_at": ("RecordedDate", "EndDate"),
        "score": ("NPS",),
    },
    patterns={"account_id": ACCOUNT_FIELD},
    companions={"score": ("_nps_group",)},
    signature=("score",),
    options=PresetOptions(header_rows=2, excluded_rows=(
        ("Status", ("survey preview", "survey test", "spam", "1", "2", "8"),
         "a Qualtrics survey preview, test or spam response, not a respondent's answer"),
    )),
)

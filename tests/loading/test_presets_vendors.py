"""More vendors (issue 11 item 5): Zoho CRM, Pipedrive, Chargebee, Recurly, Paddle, Heap,
SurveyMonkey, Typeform and Qualtrics exports, each shaped like the vendor's documented export
(tests/fixtures/exports), detected by ``segkit validate FILE`` with no flags, and read with the
vendor's units, statuses and header rows.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path

import pytest

from segkit import api
from segkit.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"

NEW_VENDOR_FILES = {
    "zoho_accounts.csv": ("accounts", "zoho-accounts"),
    "zoho_deals.csv": ("deals", "zoho-deals"),
    "pipedrive_organizations.csv": ("accounts", "pipedrive-organizations"),
    "pipedrive_deals.csv": ("deals", "pipedrive-deals"),
    "chargebee_subscriptions.csv": ("subscriptions", "chargebee-subscriptions"),
    "recurly_subscriptions.csv": ("subscriptions", "recurly-subscriptions"),
    "paddle_subscriptions.jsonl": ("subscriptions", "paddle-subscriptions"),
    "heap_all_events.csv": ("events", "heap-events"),
    "heap_users.csv": ("users", "heap-users"),
    "surveymonkey_responses.csv": ("surveys", "surveymonkey-responses"),
    "typeform_responses.csv": ("surveys", "typeform-responses"),
    "qualtrics_responses.csv": ("surveys", "qualtrics-responses"),
}


def validate(capsys, path: Path) -> dict:
    """``segkit validate FILE`` with no flags, as a user runs it; its JSON summary."""
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("name", sorted(NEW_VENDOR_FILES))
def test_validate_with_no_flags_picks_the_vendor_preset(capsys, name: str) -> None:
    summary = validate(capsys, FIXTURES / name)
    (item,) = summary["files"]
    assert (item["table"], item["preset"]) == NEW_VENDOR_FILES[name]
    assert item["rows_read"] == item["rows_used"] + item["rows_rejected"] > 0
    assert item["rows_rejected"] == 0


@functools.lru_cache(maxsize=1)
def detected_presets() -> dict[str, str | None]:
    """Every fixture export's preset as ``segkit validate`` picks it, read once for the module."""
    found = {}
    for path in sorted(FIXTURES.iterdir()):
        (item,) = api.validate([path])["files"]
        found[path.name] = item.get("preset")
    return found


@pytest.mark.parametrize("preset", sorted({p for _, p in NEW_VENDOR_FILES.values()}))
def test_no_other_export_is_read_as_the_new_preset(preset: str) -> None:
    """Every other fixture (the older vendors' included) is detected as something else."""
    own = {name for name, (_, p) in NEW_VENDOR_FILES.items() if p == preset}
    taken = {name for name, p in detected_presets().items() if p == preset}
    assert taken == own


def test_header_rows_are_skipped_and_counted(capsys) -> None:
    qualtrics = validate(capsys, FIXTURES / "qualtrics_responses.csv")
    assert qualtrics["inputs"]["surveys"]["header_rows_skipped"] == 2  # question text, ImportId JSON
    assert qualtrics["files"][0]["columns"]["score"] == "Q1"  # found by its Q1_NPS_GROUP companion
    assert qualtrics["files"][0]["rows_read"] == 4
    assert qualtrics["files"][0]["header_rows_skipped"] == 2
    monkey = validate(capsys, FIXTURES / "surveymonkey_responses.csv")
    assert monkey["inputs"]["surveys"]["header_rows_skipped"] == 1  # the "Response" answer-label row
    assert monkey["files"][0]["columns"]["score"].startswith("How likely is it that you would recommend")
    typeform = validate(capsys, FIXTURES / "typeform_responses.csv")
    assert "header_rows_skipped" not in typeform["inputs"]["surveys"]
    assert typeform["files"][0]["columns"]["responded_at"] == "Submit Date (UTC)"


def test_a_survey_saved_with_one_header_row_loses_no_answer(tmp_path: Path) -> None:
    lines = (FIXTURES / "qualtrics_responses.csv").read_text(encoding="utf-8").splitlines()
    single = tmp_path / "qualtrics_one_header.csv"
    single.write_text("\n".join([lines[0], *lines[3:]]) + "\n", encoding="utf-8")
    surveys = api.load([single]).frame("surveys")
    assert surveys["score"].tolist() == [9, 10, 6, 8]


def test_a_qualtrics_time_zone_other_than_utc_is_named(tmp_path: Path) -> None:
    text = (FIXTURES / "qualtrics_responses.csv").read_text(encoding="utf-8").replace("Etc/UTC", "America/Denver")
    path = tmp_path / "qualtrics_denver.csv"
    path.write_text(text, encoding="utf-8")
    notes = api.load([path]).stats()["surveys"].notes
    assert any("RecordedDate: the export says its times are in America/Denver" in n and "--timezone America/Denver" in n
               for n in notes), notes


def test_survey_answers_dates_and_accounts() -> None:
    monkey = api.load([FIXTURES / "surveymonkey_responses.csv"]).frame("surveys")
    assert monkey["score"].tolist() == [9, 10, 4, 7]
    # 06/04/2024 02:03:59 PM, SurveyMonkey's US layout
    assert str(monkey.loc[1, "responded_at"]) == "2024-06-04 14:03:59+00:00"
    assert monkey.loc[0, "account_id"] == "zcrm_4876876000000225001"  # Custom Data 1
    typeform = api.load([FIXTURES / "typeform_responses.csv"]).frame("surveys")
    assert typeform["user_id"].tolist()[0] == "ana@northwind.example"  # the email hidden field, not "#"
    assert typeform["score"].tolist() == [9, 10, 4]


def test_billing_statuses_map_to_segkits() -> None:
    chargebee = api.load([FIXTURES / "chargebee_subscriptions.csv"]).frame("subscriptions")
    assert chargebee["status"].tolist() == ["active", "active", "trialing", "canceled", "paused"]
    recurly = api.load([FIXTURES / "recurly_subscriptions.csv"]).frame("subscriptions").set_index("account_id")
    assert recurly["status"].to_dict() == {"A-1001": "active", "A-1002": "canceled", "A-1003": "canceled", "A-1004": "paused"}
    assert recurly.loc["A-1002", "interval"] == "month" and recurly.loc["A-1002", "interval_count"] == 12  # 12 months
    assert str(recurly.loc["A-1003", "ended_at"]) == "2024-05-15 00:00:00+00:00"  # "... 00:00:00 UTC"


def test_paddle_amounts_are_minor_unit_strings_per_currency() -> None:
    paddle = api.load([FIXTURES / "paddle_subscriptions.jsonl"]).frame("subscriptions").set_index("account_id")
    # "1000" USD is 10.00; "3000" JPY is 3000 yen (no minor unit); "120000" EUR is 1200.00
    assert paddle["amount"].to_dict() == {
        "zcrm_4876876000000225001": 10.0, "zcrm_4876876000000225004": 3000.0, "zcrm_4876876000000225003": 1200.0,
    }
    assert paddle.loc["zcrm_4876876000000225001", "quantity"] == 5  # items[0].quantity
    assert str(paddle.loc["zcrm_4876876000000225003", "trial_end"]) == "2024-07-04 12:00:00+00:00"


def test_heap_users_carry_the_account(capsys) -> None:
    users = api.load([FIXTURES / "heap_users.csv"]).frame("users").set_index("user_id")
    assert users.loc["8815520294421002", "account_id"] == "zcrm_4876876000000225002"
    events = validate(capsys, FIXTURES / "heap_all_events.csv")["files"][0]
    assert events["columns"] == {"event": "event_table_name", "event_id": "event_id", "timestamp": "time", "user_id": "user_id"}


def test_segment_zoho_chargebee_qualtrics_hand_checked(capsys) -> None:
    """As of 2024-06-30 (period 2023-07-01 .. 2024-06-30):

    Chargebee: Northwind active 5 x 100/month = 500 (paying before the period); Contoso
    ``Non Renewing`` (still paying) 14400/year = 1200, started 2023-07-01; Fabrikam ``In Trial``
    (never pays); Tailspin ``Cancelled`` 49/month, 2023-09-01 .. 2024-05-15; Wingtip ``Paused``
    3 x 100 = 300 from 2024-01-10, ended at as-of (a paused row does not pay at as-of).
    So MRR 500 -> 1700 (new 1200 + 49 + 300, churned 49 + 300), 2 customers; gross MRR churn
    349 / 500. Zoho deals: 3 Closed Won of 4 closed (Fabrikam's is open): win rate 0.75.
    Qualtrics: 9, 10 promoters, 8 passive, 6 detractor: NPS (2 - 1) / 4 = 25.
    """
    files = [FIXTURES / n for n in ("zoho_accounts.csv", "zoho_deals.csv", "chargebee_subscriptions.csv",
                                      "qualtrics_responses.csv")]
    code = main(["segment", *map(str, files), "--as-of", "2024-06-30", "--by", "nps", "--format", "json", "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    assert {t: v["preset"] for t, v in report["inputs"].items()} == {
        "accounts": "zoho-accounts", "deals": "zoho-deals", "subscriptions": "chargebee-subscriptions",
        "surveys": "qualtrics-responses",
    }
    overall = report["overall"]
    assert (overall["customers"], overall["mrr"], overall["starting_mrr"]) == (2, 1700.0, 500.0)
    assert (overall["new_mrr"], overall["churned_mrr"], overall["churn_events"]) == (1549.0, 349.0, 2)
    assert overall["gross_mrr_churn_rate"] == pytest.approx(349 / 500)
    assert (overall["deals_won"], overall["deals_closed"], overall["win_rate"]) == (3, 4, 0.75)
    assert (overall["nps"], overall["nps_responses"]) == (25.0, 4)
    # Contoso's "Canceled On" is its scheduled end (2025-07-01), after as-of and kept: no cell set aside
    assert report["inputs"]["subscriptions"]["cells_rejected"] == 0
    messages = " ".join(w["message"] for w in report["warnings"])
    assert "non_renewing -> active (1)" in messages and "2 more header rows" in messages


def test_segment_pipedrive_organizations_and_deals(capsys) -> None:
    """Pipedrive ``Deal - Status``: won (Northwind, Contoso), lost (Fabrikam's pilot), open
    (Fabrikam): win rate 2 / 3; deals link to organizations by ``Deal - Organization ID``."""
    files = [FIXTURES / "pipedrive_organizations.csv", FIXTURES / "pipedrive_deals.csv"]
    report = api.segment(files, by=["firmographic"], as_of=dt.date(2024, 6, 30),
                         overrides=["metrics.min_segment_size=1"]).data  # 3 organizations: not suppressed
    assert report["inputs"]["deals"]["rows_used"] == 4
    overall = report["overall"]
    assert (overall["accounts"], overall["deals_won"], overall["deals_closed"]) == (3, 2, 3)
    assert overall["win_rate"] == pytest.approx(2 / 3)


def test_recurly_non_renewing_pays_until_its_period_ends() -> None:
    """Recurly ``canceled`` only stops renewal: A-1002 (14400 / 12 months = 1200) pays at as-of
    (until its ``expires_at``, 2025-07-01, a future end kept as such); A-1001 pays 5 x 100;
    ``expired`` A-1003 ended 2024-05-15; ``paused`` A-1004 ended at its period end, 2024-06-10."""
    report = api.segment([FIXTURES / "recurly_subscriptions.csv"], by=["value"], as_of=dt.date(2024, 6, 30),
                         overrides=["metrics.min_segment_size=1"]).data
    overall = report["overall"]
    assert (overall["customers"], overall["mrr"]) == (2, 1700.0)
    assert (overall["churn_events"], overall["churned_mrr"]) == (2, 49.0 + 300.0)
    assert report["inputs"]["subscriptions"]["cells_rejected"] == 0


def test_a_posthog_events_table_csv_takes_the_account_from_group_0(tmp_path: Path, capsys) -> None:
    """PostHog's events table as CSV (a SQL insight's export): properties is JSON text there, and
    the group keys are the $group_0 .. $group_4 columns."""
    path = tmp_path / "posthog_events.csv"
    path.write_text(
        "uuid,event,properties,timestamp,distinct_id,person_id,$group_0,$group_1\n"
        '018f0c2a-0000-7000-8000-000000000001,report_exported,"{""$lib"": ""web""}",2024-06-03T09:12:33.512000Z,'
        "ana@northwind.example,018f0c2a-1111-7000-8000-000000000001,zcrm_4876876000000225001,\n",
        encoding="utf-8",
    )
    (item,) = validate(capsys, path)["files"]
    assert item["preset"] == "posthog-events"
    assert item["columns"]["account_id"] == "$group_0"


def test_segment_heap_events_reach_accounts_through_heap_users(capsys) -> None:
    """Heap events carry Heap's user id only; heap-users maps users to Zoho account ids: Northwind
    (2 events), Contoso and Fabrikam (1 each) used the product in June, Tailspin and Wingtip did not.
    Read at as-of (the June usage); at the period start, the default, nobody had used it yet."""
    files = [FIXTURES / n for n in ("zoho_accounts.csv", "chargebee_subscriptions.csv", "heap_all_events.csv",
                                      "heap_users.csv")]
    code = main(["segment", *map(str, files), "--as-of", "2024-06-30", "--by", "behavioral", "--format", "json", "--quiet",
                 "--set", 'segmenters.behavioral.at="as_of"'])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    assert (report["inputs"]["events"]["preset"], report["inputs"]["events"]["rows_used"]) == ("heap-events", 4)
    assert report["inputs"]["users"]["preset"] == "heap-users"
    segments = {s["segment"]: s["accounts"] for s in report["segmentations"]["behavioral"]["segments"]}
    assert segments == {"Light": 3, "Dormant": 2}


def test_qualtrics_preview_responses_are_rejected_with_the_reason(tmp_path: Path) -> None:
    lines = (FIXTURES / "qualtrics_responses.csv").read_text(encoding="utf-8").splitlines()
    preview = lines[3].replace("IP Address,203.0.113.10", "Survey Preview,").replace("R_1dGb8xYqLw2kT3a", "R_preview01")
    path = tmp_path / "qualtrics_with_preview.csv"
    path.write_text("\n".join([*lines, preview.replace(",9,Promoter,", ",0,Detractor,")]) + "\n", encoding="utf-8")
    inputs = api.load([path], max_rejected=0.5)
    stats = inputs.stats()["surveys"]
    assert (stats.rows_read, stats.rows_used, stats.rows_rejected) == (5, 4, 1)
    (reason,) = stats.reasons
    assert "survey preview" in reason
    assert inputs.frame("surveys")["score"].tolist() == [9, 10, 6, 8]
    rejected = inputs.rejections.frame()
    assert rejected["line"].tolist() == [8] and rejected["column"].tolist() == ["Status"]

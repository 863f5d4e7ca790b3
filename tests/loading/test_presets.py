"""Vendor exports shaped like REFERENCE-FORMATS.md section 7 load with no config (issue #3, part 1-2)."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest

from segkit import api
from segkit.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def balanced(inputs: dict) -> None:
    for name, item in inputs.items():
        assert item["rows_read"] == item["rows_used"] + item["rows_rejected"], name


@pytest.mark.parametrize(
    ("name", "table", "preset"),
    [
        ("hubspot_companies.csv", "accounts", "hubspot-companies"),
        ("hubspot_companies_api.csv", "accounts", "hubspot-companies"),
        ("hubspot_deals.csv", "deals", "hubspot-deals"),
        ("salesforce_accounts.csv", "accounts", "salesforce-accounts"),
        ("salesforce_accounts_report.csv", "accounts", "salesforce-accounts"),
        ("salesforce_opportunities.csv", "deals", "salesforce-opportunities"),
        ("stripe_subscriptions.csv", "subscriptions", "stripe-subscriptions"),
        ("stripe_subscriptions_api.jsonl", "subscriptions", "stripe-subscriptions-api"),
        ("stripe_invoices.csv", "invoices", "stripe-invoices"),
        ("segment_track.jsonl", "events", "segment-track"),
        ("segment_group.jsonl", "users", "segment-group"),
        ("mixpanel.jsonl", "events", "mixpanel"),
        ("nps.csv", "surveys", "nps-survey"),
        ("delighted_responses.jsonl", "surveys", "delighted-responses"),
        ("posthog_events.jsonl", "events", "posthog-events"),
    ],
)
def test_each_export_is_detected_and_accounted(name: str, table: str, preset: str) -> None:
    summary = api.validate([FIXTURES / name])
    (item,) = summary["files"]
    assert "error" not in item, item
    assert (item["table"], item["preset"]) == (table, preset)
    assert item["rows_read"] == item["rows_used"] + item["rows_rejected"] > 0
    balanced(summary["inputs"])


def test_hubspot_labels_and_ids(capsys) -> None:
    inputs = api.load([FIXTURES / "hubspot_companies.csv"])
    accounts = inputs.frame("accounts").set_index("account_id")
    assert "000000000777" in accounts.index  # leading zeros kept: ids are text
    assert accounts.loc["200000000003", "domain"] == "initech.io"  # www. removed
    assert accounts.loc["000000000777", "domain"] == "umbrella.co.uk"  # https://.../ removed
    assert accounts.loc["200000000001", "employees"] == 120
    assert str(accounts.loc["200000000001", "created_at"]) == "2023-01-10 10:00:00+00:00"
    assert "Phone Number" in accounts.columns  # unmapped columns are kept under their names


def test_hubspot_api_epoch_ms_dates() -> None:
    accounts = api.load([FIXTURES / "hubspot_companies_api.csv"]).frame("accounts")
    assert str(accounts.loc[0, "created_at"]) == "2023-01-10 10:00:00+00:00"


def test_end_to_end_without_config(capsys) -> None:
    code, out, err = run(
        capsys, "segment", FIXTURES / "hubspot_companies.csv", FIXTURES / "stripe_subscriptions.csv",
        FIXTURES / "stripe_invoices.csv", FIXTURES / "segment_track.jsonl", FIXTURES / "nps.csv",
        "--format", "json", "--by", "firmographic", "--as-of", "2024-04-30", "--max-rejected", "0.3",
    )
    assert code == 0, err
    report = json.loads(out)
    presets = {t: v["preset"] for t, v in report["inputs"].items()}
    assert presets == {
        "accounts": "hubspot-companies", "subscriptions": "stripe-subscriptions", "invoices": "stripe-invoices",
        "events": "segment-track", "surveys": "nps-survey",
    }
    balanced(report["inputs"])
    # Paying at as-of: Acme 1000, Initech 24000/12, Hooli past_due 2 x 2500 (reached by email
    # domain eu.hooli.com -> hooli.com), Vandelay 300. Umbrella is trialing; Globex ended.
    assert report["overall"]["customers"] == 4
    assert report["overall"]["mrr"] == pytest.approx(1000 + 2000 + 5000 + 300)
    messages = " ".join(w["message"] for w in report["warnings"])
    assert "customer email domain (fuzzy match, hit rate 100%)" in messages


def test_churn_date_is_ended_at_not_canceled_at_and_past_due_policy() -> None:
    files = [FIXTURES / "hubspot_companies.csv", FIXTURES / "stripe_subscriptions.csv"]
    # Globex asked to cancel on 2024-01-15 but its subscription ended on 2024-02-28.
    before_end = api.segment(files, by=["firmographic"], as_of=__import__("datetime").date(2024, 2, 10))
    assert before_end.data["overall"]["customers"] == 5
    after = api.segment(files, by=["firmographic"], as_of=__import__("datetime").date(2024, 4, 30))
    assert after.data["overall"]["customers"] == 4
    excluded = api.segment(
        files, by=["firmographic"], as_of=__import__("datetime").date(2024, 4, 30), overrides=["metrics.past_due=exclude"]
    )
    assert excluded.data["overall"]["customers"] == 3


def test_stripe_api_objects_are_minor_units() -> None:
    subs = api.load([FIXTURES / "stripe_subscriptions_api.jsonl"]).frame("subscriptions").set_index("account_id")
    assert subs.loc["200000000001", "amount"] == 1000.0
    assert subs.loc["200000000003", "amount"] == 24000.0
    assert str(subs.loc["200000000001", "started_at"]) == "2023-01-30 10:00:00+00:00"  # epoch seconds


def test_amount_unit_flag_overrides_the_preset() -> None:
    subs = api.load([FIXTURES / "stripe_subscriptions.csv"], read={"amount_unit": "minor"}, max_rejected=0.5).frame("subscriptions")
    assert subs.set_index("subscription_id").loc["sub_1Acme", "amount"] == 10.0


def test_metadata_column_found_by_pattern(tmp_path: Path) -> None:
    path = tmp_path / "subs.csv"
    path.write_text(
        "id,Customer ID,Customer Email,Status,Start (UTC),Amount,Interval,hubspot_company (metadata)\n"
        "sub_1,cus_1,a@acme.com,active,2024-01-01 00:00:00,10.00,month,200000000001\n"
    )
    summary = api.validate([path])
    assert summary["files"][0]["columns"]["account_id"] == "hubspot_company (metadata)"


def test_email_domain_misses_are_rejected_with_reasons(tmp_path: Path, capsys) -> None:
    subs = tmp_path / "subs.csv"
    subs.write_text(
        "id,Customer ID,Customer Email,Status,Start (UTC),Amount,Interval\n"
        "sub_1,cus_1,billing@acme.com,active,2024-01-01 00:00:00,10.00,month\n"
        "sub_2,cus_2,someone@gmail.com,active,2024-01-01 00:00:00,10.00,month\n"
        "sub_3,cus_3,x@unknown.example,active,2024-01-01 00:00:00,10.00,month\n"
    )
    code, out, err = run(capsys, "segment", FIXTURES / "hubspot_companies.csv", subs, "--format", "json", "--by", "firmographic")
    assert code == 3
    assert err.count("\n") == 1
    assert f"{subs}" in err and "2 of 3 subscriptions rows reach no account" in err
    assert "account_id = \\\"crm_id (metadata)\\\"" in err or 'account_id = "crm_id (metadata)"' in err
    code, out, err = run(
        capsys, "segment", FIXTURES / "hubspot_companies.csv", subs, "--format", "json", "--by", "firmographic",
        "--max-rejected", "0.9", "--out", tmp_path / "out",
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["inputs"]["subscriptions"]["rows_rejected"] == 2
    balanced(report["inputs"])
    rejected = (tmp_path / "out" / "rejected.csv").read_text()
    assert "personal mailbox (gmail.com)" in rejected
    assert "no account has the customer email's domain (unknown.example)" in rejected


def test_hubspot_deals_take_the_first_associated_company() -> None:
    inputs = api.load([FIXTURES / "hubspot_companies.csv", FIXTURES / "hubspot_deals.csv"])
    deals = inputs.frame("deals").set_index("deal_id")
    assert deals.loc["300000000003", "account_id"] == "000000000777"
    assert deals.loc["300000000002", "amount"] == 4800.0


def test_salesforce_accounts_and_opportunities() -> None:
    inputs = api.load([FIXTURES / "salesforce_accounts.csv", FIXTURES / "salesforce_opportunities.csv"])
    deals = inputs.frame("deals").set_index("deal_id")
    assert bool(deals.loc["0065g00000XyZaAAAR", "is_won"]) is True
    assert bool(deals.loc["0065g00000XyZbAAAR", "is_won"]) is False
    assert inputs.frame("accounts").set_index("account_id").loc["0015g00000AbCdEAAZ", "domain"] == "acme.com"


def test_salesforce_report_amounts_with_currency_code() -> None:
    accounts = api.load([FIXTURES / "salesforce_accounts_report.csv"]).frame("accounts").set_index("account_id")
    assert accounts.loc["0015g00000AbCdE", "annual_revenue"] == 12_000_000


def test_deals_without_association_name_the_closest_preset(tmp_path: Path, capsys) -> None:
    path = tmp_path / "deals.csv"
    path.write_text('"Record ID","Deal Name","Deal Stage","Amount","Create Date"\n"1","A","closedwon","10","2024-01-01 00:00"\n')
    code, out, err = run(capsys, "segment", path)
    assert code == 3
    assert err == (
        f"segkit: error: {path}: cannot read as any known export: closest preset is hubspot-deals, which lacks "
        "account_id ('Associated Company IDs') (header: Record ID, Deal Name, Deal Stage, Amount, Create Date); "
        "map the columns in segkit.toml [inputs.deals.columns]; "
        "no table fits by content either (closest: deals, which lacks account_id)\n"
    )


def test_segment_group_calls_map_users_to_accounts() -> None:
    import datetime as dt

    report = api.segment(
        [FIXTURES / "hubspot_companies.csv", FIXTURES / "segment_track.jsonl"], by=["firmographic"],
        as_of=dt.date(2024, 4, 30), max_rejected=0.5,
    )
    events = report.data["inputs"]["events"]
    assert (events["rows_read"], events["rows_used"], events["rows_rejected"]) == (8, 4, 4)
    reasons = {r["reason"]: r["rows"] for r in events["top_rejection_reasons"]}
    assert reasons == {
        "not a track call (Segment group calls feed the user -> account map)": 2,
        "duplicate event id": 1,  # messageId m-001 twice
        "no account id (and no user -> account mapping)": 1,  # anonymous event
    }


def test_events_over_max_rejected_fail(capsys) -> None:
    code, out, err = run(
        capsys, "segment", FIXTURES / "hubspot_companies.csv", FIXTURES / "segment_track.jsonl",
        "--as-of", "2024-04-30", "--by", "firmographic", "--format", "json",
    )
    assert code == 3
    assert "2 of 8 event rows rejected (25.0%, more than --max-rejected 0.05)" in err


def test_mixpanel_seconds_and_milliseconds_and_insert_id() -> None:
    import datetime as dt

    report = api.segment([FIXTURES / "hubspot_companies.csv", FIXTURES / "mixpanel.jsonl"], by=["firmographic"],
                         as_of=dt.date(2024, 4, 30), max_rejected=0.5)
    events = report.data["inputs"]["events"]
    assert (events["rows_read"], events["rows_used"], events["rows_rejected"]) == (4, 3, 1)
    assert events["top_rejection_reasons"] == [{"reason": "duplicate event id", "rows": 1}]


def test_mixpanel_group_key(tmp_path: Path) -> None:
    import datetime as dt

    path = tmp_path / "mp.jsonl"
    path.write_text(
        json.dumps({"event": "A", "properties": {"time": 1711965600, "distinct_id": "u1", "$insert_id": "i1", "org_key": "200000000001"}}) + "\n"
    )
    files = [FIXTURES / "hubspot_companies.csv", path]
    report = api.segment(files, by=["firmographic"], as_of=dt.date(2024, 4, 30), read={"group_key": "org_key"})
    assert report.data["inputs"]["events"]["rows_used"] == 1


def _amplitude_zip(path: Path) -> Path:
    records = [
        {"uuid": "a-1", "event_type": "Report Created", "user_id": "u-acme-1", "event_time": "2024-04-01 10:00:00.123000", "groups": {"company_id": ["200000000001"]}},
        {"uuid": "a-2", "event_type": "Report Created", "user_id": "u-acme-1", "event_time": "2024-04-02 10:00:00.000000", "groups": {"company_id": "200000000001"}},
        {"uuid": "a-2", "event_type": "Report Created", "user_id": "u-acme-1", "event_time": "2024-04-02 10:00:00.000000", "groups": {"company_id": "200000000001"}},
        {"uuid": "a-3", "event_type": "Login", "user_id": "u-globex", "event_time": "2024-04-03 10:00:00.000000", "groups": {"company_id": "200000000002"}},
    ]
    with zipfile.ZipFile(path, "w") as archive:
        for index, chunk in enumerate([records[:2], records[2:]]):
            body = "\n".join(json.dumps(r) for r in chunk).encode()
            archive.writestr(f"187520/187520_2024-04-0{index + 1}_0#0.json.gz", gzip.compress(body))
    return path


def test_amplitude_zip_of_gzipped_json(tmp_path: Path) -> None:
    import datetime as dt

    archive = _amplitude_zip(tmp_path / "export.zip")
    report = api.segment([FIXTURES / "hubspot_companies.csv", archive], by=["firmographic"], as_of=dt.date(2024, 4, 30), max_rejected=0.5)
    events = report.data["inputs"]["events"]
    assert events["preset"] == "amplitude"
    assert (events["rows_read"], events["rows_used"], events["rows_rejected"]) == (4, 3, 1)

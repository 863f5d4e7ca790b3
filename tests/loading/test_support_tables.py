"""The tickets and cancellations tables (issue 11, item 4): presets, flags, config, linking, accounting."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from segkit import api
from segkit.cli import main
from segkit.loading.schema import TABLES

SUPPORT = Path(__file__).resolve().parents[1] / "fixtures" / "support"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.mark.parametrize(
    ("name", "table", "preset"),
    [
        ("zendesk_tickets.csv", "tickets", "zendesk-tickets"),
        ("intercom_conversations.csv", "tickets", "intercom-conversations"),
        ("hubspot_tickets.csv", "tickets", "hubspot-tickets"),
        ("freshdesk_tickets.jsonl", "tickets", "freshdesk-tickets"),
        ("stripe_cancellations.jsonl", "cancellations", "stripe-cancellations"),
        ("chargebee_cancellations.csv", "cancellations", "chargebee-cancellations"),
        ("generic_cancellations.csv", "cancellations", "generic-cancellations"),
    ],
)
def test_each_support_export_is_detected_from_its_header(name: str, table: str, preset: str) -> None:
    summary = api.validate([SUPPORT / name])
    (item,) = summary["files"]
    assert (item["table"], item["preset"]) == (table, preset)


def test_the_tables_are_canonical_with_their_required_columns() -> None:
    assert TABLES["tickets"].missing_required({"requester_email"}) == ["created_at"]
    assert TABLES["cancellations"].missing_required({"canceled_at"}) == [
        "account_id or subscription_id or customer_id or customer_email"
    ]


def _segment(capsys, tmp_path: Path, *extra: str) -> tuple[int, dict, str]:
    out = tmp_path / "out"
    code, _, err = run(
        capsys, "segment", "--accounts", SUPPORT / "accounts.csv", "--subscriptions", SUPPORT / "subscriptions.csv",
        "--users", SUPPORT / "users.csv", *extra, "--as-of", "2025-12-31", "--by", "attribute",
        "--set", "segmenters.attribute.column=industry", "--min-segment-size", "1", "--max-rejected", "0.5",
        "--out", out, "--quiet",
    )
    report = json.loads((out / "report.json").read_text()) if code == 0 else {}
    return code, report, err


def test_every_ticket_row_is_linked_or_rejected_with_its_reason(capsys, tmp_path: Path) -> None:
    code, report, err = _segment(capsys, tmp_path, "--tickets", SUPPORT / "zendesk_tickets.csv")
    assert code == 0, err
    tickets = report["inputs"]["tickets"]
    assert (tickets["preset"], tickets["rows_read"], tickets["rows_used"], tickets["rows_rejected"]) == ("zendesk-tickets", 7, 6, 1)
    assert tickets["top_rejection_reasons"] == [
        {"reason": "no account id, and the requester email is a personal mailbox", "rows": 1}
    ]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "rejected.csv").read_text())))
    assert [(r["table"], r["line"], r["column"], r["value"]) for r in rows] == [("tickets", "8", "account_id", "eve@gmail.com")]
    warnings = [w["message"] for w in report["warnings"]]
    assert "tickets: 1 rows reached an account through the users table's user id" in warnings
    assert "tickets: 5 of 6 rows without an account id reached an account by requester email domain (fuzzy match, hit rate 83%)" in warnings


def test_cancellations_link_through_the_subscriptions_customer_id(capsys, tmp_path: Path) -> None:
    code, report, err = _segment(capsys, tmp_path, "--cancellations", SUPPORT / "chargebee_cancellations.csv")
    assert code == 0, err
    item = report["inputs"]["cancellations"]
    assert (item["rows_read"], item["rows_used"], item["rows_rejected"]) == (3, 2, 1)
    assert item["top_rejection_reasons"] == [
        {"reason": "no account id, its subscription_id matches no subscription, its customer_id matches no subscription, "
                   "and no customer email to match on", "rows": 1}
    ]
    overall = report["overall"]
    assert overall["churn_reasons"] == {"Too expensive": 1, "not_paid": 1}
    # cb_1 names no Chargebee code (voluntary unknown); cb_2's not_paid is a failed payment
    assert (overall["cancellations"], overall["churn_voluntary"], overall["churn_failed_payment"]) == (2, 0, 1)
    assert "cancellations: 2 rows reached an account through the subscriptions' customer id" in [
        w["message"] for w in report["warnings"]]

def test_config_inputs_tables_are_accepted(capsys, tmp_path: Path) -> None:
    config = tmp_path / "segkit.toml"
    config.write_text(
        f'[inputs.accounts]\nfiles = ["{SUPPORT / "accounts.csv"}"]\n'
        f'[inputs.tickets]\nfiles = ["{SUPPORT / "hubspot_tickets.csv"}"]\n'
        f'[inputs.cancellations]\nfiles = ["{SUPPORT / "generic_cancellations.csv"}"]\n'
    )
    code, out, err = run(capsys, "segment", "--config", config, "--as-of", "2025-12-31", "--by", "attribute", "--set", "segmenters.attribute.column=industry",
                         "--min-segment-size", "1", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["inputs"]["tickets"]["preset"] == "hubspot-tickets"
    overall = report["overall"]
    assert (overall["tickets"], overall["cancellations"]) == (2, 2)
    assert overall["churn_reasons"] == {"(no reason given)": 1, "Too expensive": 1}
    assert (overall["churn_voluntary"], overall["churn_failed_payment"]) == (1, 1)


def test_without_tickets_the_support_figures_are_absent(capsys, tmp_path: Path) -> None:
    code, report, err = _segment(capsys, tmp_path)
    assert code == 0, err
    assert "tickets" not in report["overall"] and "churn_reasons" not in report["overall"]
    assert "tickets_per_account" in report["definitions"]

"""The default as-of reads activity dates only (schema.Dating, loading.asof), per table."""

from __future__ import annotations

from pathlib import Path

from segkit import api
from segkit.loading.asof import latest_activity


def _latest(tmp_path: Path, **tables: str):
    paths = {}
    for table, text in tables.items():
        path = tmp_path / f"{table}.csv"
        path.write_text(text)
        paths[table] = [path]
    found = latest_activity(api.load(tables=paths), None)
    return (found.date.date().isoformat(), found.source) if found else None


def test_an_open_deals_expected_close_date_is_not_activity_a_closed_deals_is(tmp_path: Path) -> None:
    deals = ("deal_id,account_id,created_at,stage,closed_at\n"
             "d1,A,2025-03-01,Negotiation,2025-12-31\n"   # open: 2025-12-31 is only expected
             "d2,A,2025-02-01,Closed Won,2025-04-15\n")  # closed: its close is an activity
    assert _latest(tmp_path, deals=deals) == ("2025-04-15", "deals.closed_at")


def test_forward_looking_subscription_dates_never_set_as_of(tmp_path: Path) -> None:
    subs = ("account_id,status,started_at,ended_at,trial_end,current_period_end,mrr\n"
            "A,active,2025-01-10,2025-09-30,2025-11-30,2026-01-10,10\n"
            "B,canceled,2025-02-20,,,,10\n")
    assert _latest(tmp_path, subscriptions=subs) == ("2025-02-20", "subscriptions.started_at")


def test_accounts_created_at_stands_in_only_without_any_activity(tmp_path: Path) -> None:
    accounts = "account_id,created_at\nA,2024-05-01\nB,2024-07-09\n"
    assert _latest(tmp_path, accounts=accounts) == ("2024-07-09", "accounts.created_at")
    surveys = "account_id,responded_at,score\nA,2024-06-01,9\n"
    assert _latest(tmp_path, accounts=accounts, surveys=surveys) == ("2024-06-01", "surveys.responded_at")


def test_invoices_payments_and_tickets_and_cancellations_are_activity(tmp_path: Path) -> None:
    invoices = "account_id,amount_paid,paid_at,period_end\nA,10,2025-01-05,2025-02-05\n"
    tickets = "account_id,created_at,solved_at\nA,2025-01-07,2025-03-01\n"
    assert _latest(tmp_path, invoices=invoices, tickets=tickets) == ("2025-01-07", "tickets.created_at")
    cancellations = "account_id,canceled_at,reason\nA,2025-01-09,price\n"
    assert _latest(tmp_path, invoices=invoices, cancellations=cancellations) == ("2025-01-09", "cancellations.canceled_at")

"""Placement by content (issue 11 item 1) and ``segkit init`` that always writes a config (item 2).

The export is of our own making, shaped like the public multi-table SaaS exports the issue
names: accounts; subscriptions with start_date/end_date/mrr_amount/plan_tier/seats; feature usage
keyed by subscription_id with usage_count; support tickets; churn events with reason codes; under
three header styles, so placement does not depend on exact names.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from segkit.loading.placement import normalise_name, place

ACCOUNTS = ["account_id", "account_name", "industry", "country", "signup_date", "referral_source", "plan_tier", "seats", "is_trial", "churn_flag"]
SUBSCRIPTIONS = ["subscription_id", "account_id", "start_date", "end_date", "plan_tier", "seats", "mrr_amount", "arr_amount", "is_trial", "upgrade_flag", "churn_flag", "billing_frequency"]
USAGE = ["usage_id", "subscription_id", "usage_date", "feature_name", "usage_count", "usage_duration_secs", "error_count", "is_beta_feature"]
TICKETS = ["ticket_id", "account_id", "submitted_at", "closed_at", "resolution_time_hours", "priority", "first_response_time_minutes", "satisfaction_score", "escalation_flag"]
CHURN = ["churn_event_id", "account_id", "churn_date", "reason_code", "refund_amount_usd", "preceding_upgrade_flag", "preceding_downgrade_flag", "is_reactivation", "feedback_text"]


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def spaced(name: str) -> str:
    return " ".join(part.capitalize() for part in name.split("_"))


STYLES = {"snake": lambda n: n, "camel": camel, "spaced": spaced}


def _rows() -> dict[str, list[list[object]]]:
    accounts, subs, usage, tickets, churn = [], [], [], [], []
    plans = ["Basic", "Pro", "Enterprise"]
    for i in range(1, 41):
        acc = f"A-{i:04d}"
        plan = plans[i % 3]
        churned = i % 5 == 0
        accounts.append([acc, f"Company {i}", ["DevTools", "FinTech", "EdTech"][i % 3], ["US", "UK", "DE"][i % 3],
                         f"2023-{1 + i % 12:02d}-10", "organic", plan, 5 + i, "False", str(churned)])
        start = f"2023-{1 + i % 12:02d}-15"
        end = f"2024-{1 + i % 6:02d}-20" if churned else ""
        mrr = 100 * (1 + i % 3)
        subs.append([f"S-{i:05d}", acc, start, end, plan, 5 + i, mrr, mrr * 12, "False", "False", str(churned),
                     "annual" if i % 4 == 0 else "monthly"])
        for k in range(3):
            usage.append([f"U-{i:04d}-{k}", f"S-{i:05d}", f"2024-0{1 + k}-0{1 + k}", f"feature_{k}", 3 + k, 60 * k, k % 2, "False"])
        for k in range(2):
            tickets.append([f"T-{i:04d}-{k}", acc, f"2024-0{2 + k}-01 10:00:00", f"2024-0{2 + k}-02 10:00:00", 24.0, "high",
                            30, 4 if k else "", "False"])
        if churned:
            for k in range(3):
                churn.append([f"C-{i:04d}-{k}", acc, end or "2024-03-01", "pricing", 0, "False", "False", str(bool(k)), ""])
    return {"accounts": accounts, "subscriptions": subs, "feature_usage": usage, "support_tickets": tickets, "churn_events": churn}


HEADERS = {"accounts": ACCOUNTS, "subscriptions": SUBSCRIPTIONS, "feature_usage": USAGE,
           "support_tickets": TICKETS, "churn_events": CHURN}


def write_export(directory: Path, style: str) -> dict[str, Path]:
    """The five files in ``style`` headers; returns name -> path."""
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, rows in _rows().items():
        path = directory / f"ravenstack_{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow([STYLES[style](h) for h in HEADERS[name]])
            writer.writerows(rows)
        out[name] = path
    return out


def test_names_are_one_after_normalising_case_spaces_and_punctuation() -> None:
    assert normalise_name("StartDate") == normalise_name("start date") == normalise_name("start_date") == "startdate"


@pytest.mark.parametrize("style", sorted(STYLES))
def test_each_header_style_places_accounts_and_subscriptions(style: str) -> None:
    subs = place([STYLES[style](h) for h in SUBSCRIPTIONS])
    assert subs.best is not None and subs.best.table == "subscriptions" and not subs.tied
    how = {m.canonical: m.how for m in subs.best.matches}
    assert how["started_at"] == "synonym" and how["mrr"] == "synonym" and how["quantity"] == "synonym"
    assert place([STYLES[style](h) for h in ACCOUNTS]).best.table == "accounts"


def test_a_near_miss_is_matched_by_the_fuzzy_matcher() -> None:
    placed = place(["acount_id", "subscripton_id", "started_at", "mrr"])
    assert placed.best.table == "subscriptions"
    fuzzy = {m.canonical: m for m in placed.best.matches if m.how == "fuzzy"}
    assert set(fuzzy) == {"account_id", "subscription_id"} and all(88 <= m.score < 100 for m in fuzzy.values())


def test_a_tie_is_exit_3_naming_both_tables_and_their_flags(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "ambiguous.csv"
    # deals (amount) and tickets (priority) each map three columns; accounts, keyed by
    # account_id, maps two, so it does not settle the tie
    path.write_text("account_id,created_at,amount,priority\nA1,2024-01-01,5,high\nA2,2024-01-02,7,low\n")
    result = run_cli("segment", path, "--out", tmp_path / "out")
    assert result.code == 3
    assert result.err == (
        f"segkit: error: {path}: fits the deals and tickets tables equally well (score 3); "
        "name the file with --deals FILE or --tickets FILE, or in segkit.toml [inputs.TABLE] files\n"
    )


@pytest.mark.parametrize("style", sorted(STYLES))
def test_validate_places_every_file_or_says_why_no_table_fits(run_cli, tmp_path: Path, style: str) -> None:
    files = write_export(tmp_path / style, style)
    result = run_cli("validate", *files.values())
    report = json.loads(result.out)
    by_file = {Path(f["file"]).name: f for f in report["files"]}
    assert by_file["ravenstack_accounts.csv"]["table"] == "accounts"
    assert by_file["ravenstack_accounts.csv"]["rows_used"] == 40
    subs = by_file["ravenstack_subscriptions.csv"]
    assert subs["table"] == "subscriptions" and subs["rows_used"] == 40 and subs["rows_rejected"] == 0
    assert any("churned" in n and "not used" in n for n in subs["notes"])
    # usage keyed by subscription_id links through the subscriptions; tickets and churn events have their tables
    placed = {"ravenstack_feature_usage.csv": "events", "ravenstack_support_tickets.csv": "tickets",
              "ravenstack_churn_events.csv": "cancellations"}
    for name, table in placed.items():
        assert by_file[name].get("table") == table and "error" not in by_file[name], by_file[name]
    assert by_file["ravenstack_feature_usage.csv"]["columns"]["count"] == STYLES[style]("usage_count")


def _report(out: Path) -> dict:
    report = json.loads((out / "report.json").read_text())
    for volatile in ("run", "generated_at", "config", "inputs_sha256"):
        report.pop(volatile, None)
    return report


@pytest.mark.parametrize("style", sorted(STYLES))
def test_init_then_segment_with_config_gives_the_same_report(run_cli, tmp_path: Path, style: str, monkeypatch) -> None:
    files = write_export(tmp_path / "export", style)
    monkeypatch.chdir(tmp_path)
    plain = run_cli("segment", *files.values(), "--out", tmp_path / "plain", "--as-of", "2024-06-30")
    assert plain.code == 0, plain.err
    init = run_cli("init", *files.values(), "--output", tmp_path / "segkit.toml")
    assert init.code == 0, init.err
    text = (tmp_path / "segkit.toml").read_text()
    assert "[inputs.subscriptions]" in text and re.search(r'started_at\s*= "(Start ?Date|start_date)"\s+# synonym', text)
    assert "# unplaced:" not in text and "[inputs.tickets]" in text and "[inputs.cancellations]" in text
    assert "[inputs.events]" in text
    configured = run_cli("segment", "--config", tmp_path / "segkit.toml", "--out", tmp_path / "configured", "--as-of", "2024-06-30")
    assert configured.code == 0, configured.err
    assert _inputs_of(tmp_path / "plain") == _inputs_of(tmp_path / "configured")
    plain_report, configured_report = _report(tmp_path / "plain"), _report(tmp_path / "configured")
    assert plain_report.get("segments") == configured_report.get("segments")
    assert plain_report.get("overall") == configured_report.get("overall")


def _inputs_of(out: Path) -> dict:
    """Per table: rows read/used/rejected and the mapped columns (the preset name may differ)."""
    inputs = json.loads((out / "report.json").read_text())["inputs"]
    return {t: {k: v for k, v in item.items() if k in ("rows_read", "rows_used", "rows_rejected", "columns")}
            for t, item in inputs.items()}


def test_docs_tables_lists_every_canonical_column_and_synonym() -> None:
    from segkit.loading.placement import SYNONYMS, synonyms_of
    from segkit.loading.schema import TABLES

    text = (Path(__file__).parents[2] / "docs" / "tables.md").read_text()
    for name, schema in TABLES.items():
        assert f"## {name}" in text
        for column in schema.columns:
            row = next((l for l in text.splitlines() if l.startswith(f"| `{column.name}` | {column.kind} |")), None)
            assert row is not None, (name, column.name)
    for table, columns in SYNONYMS.items():
        for canonical in columns:
            for synonym in synonyms_of(table if table != "*" else "accounts", canonical):
                assert f"`{synonym}`" in text, (table, canonical, synonym)


def test_init_writes_a_config_for_a_tie_and_for_unmapped_required_columns(run_cli, tmp_path: Path) -> None:
    tie = tmp_path / "ambiguous.csv"
    tie.write_text("account_id,created_at,amount,priority\nA1,2024-01-01,5,high\n")
    subs = tmp_path / "subs.csv"
    subs.write_text("account_id,begin_dt,mrr\nA1,2024-01-01,5\n")
    result = run_cli("init", tie, "--subscriptions", subs, "--output", tmp_path / "segkit.toml")
    assert result.code == 0, result.err
    text = (tmp_path / "segkit.toml").read_text()
    assert "# tie: ambiguous.csv fits deals and tickets equally well" in text
    assert re.search(r"# unmapped: started_at\s*= \"\"\s+# required; candidates: 'begin_dt'", text), text
    assert run_cli("init", tie, "--output", tmp_path / "segkit.toml").code == 2


def test_files_of_different_shapes_are_never_merged_into_accounts(run_cli, tmp_path: Path) -> None:
    accounts = tmp_path / "a_accounts.csv"
    accounts.write_text("account_id,name\nA1,One\nA2,Two\n")
    churn = tmp_path / "b_churn.csv"
    churn.write_text("churn_event_id,account_id,reason_code\nC1,A1,pricing\n")
    report = json.loads(run_cli("validate", accounts, churn).out)
    by_file = {Path(f["file"]).name: f for f in report["files"]}
    assert by_file["a_accounts.csv"]["rows_used"] == 2
    assert "differ from" in by_file["b_churn.csv"]["error"] and "--accounts FILE" in by_file["b_churn.csv"]["error"]
    named = json.loads(run_cli("validate", "--accounts", accounts, "--accounts", churn).out)
    assert named["inputs"]["accounts"]["rows_read"] == 3

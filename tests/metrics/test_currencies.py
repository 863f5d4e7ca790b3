"""Issue 10 item 2: amounts in one reporting currency, converted with the fx_rates table at the date
of each reading, each case a tiny export run through ``segkit segment`` with the arithmetic in
the comment.

As-of 2024-12-31: the period is [2024-01-01, 2025-01-01) and MRR is read at each month's first
day, the state at the end of the day before, so a reading at instant 2024-08-01 is dated
2024-07-31 and uses the latest rate dated on or before then."""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segkit import api
from tests.metrics.test_history_properties import AS_OF, _rounded, _rows, history

SUBS_HEADER = "account_id,started_at,ended_at,amount,interval,currency"


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def _files(tmp_path: Path, subs: list[str], rates: list[str] | None = None) -> list[Path]:
    accounts = sorted({r.split(",")[0] for r in subs})
    files = [_write(tmp_path / "accounts.csv", "account_id,created_at", [f"{a},2020-01-01" for a in accounts]),
             _write(tmp_path / "subscriptions.csv", SUBS_HEADER, subs)]
    if rates is not None:
        files += ["--fx-rates", _write(tmp_path / "rates.csv", "date,currency,rate", rates)]
    return files


def _segment(run_cli, files: list, *args: str):
    return run_cli("segment", *files, "--by", "value", "--min-segment-size", "0", "--as-of", "2024-12-31", *args)


def _json(result) -> dict:
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_usd_eur_and_jpy_are_summed_in_the_reporting_currency(run_cli, tmp_path: Path):
    """USD 100 + EUR 100 + JPY 10,000 used to be MRR 10,200. With USD as the reporting currency and
    EUR 1.10, JPY 0.0068 (USD per unit) since 2023-06-01: 100 + 100 x 1.10 + 10,000 x 0.0068 =
    100 + 110 + 68 = 278; ARPA 278 / 3; every reading of the year uses those rates, so the start
    MRR is 278 too and NRR = GRR = 1."""
    files = _files(tmp_path, ["a,2023-07-01,,100,month,USD", "b,2023-07-01,,100,month,EUR", "c,2023-07-01,,10000,month,JPY"],
                   ["2023-06-01,EUR,1.10", "2023-06-01,JPY,0.0068"])
    report = _json(_segment(run_cli, files, "--reporting-currency", "USD", "--format", "json"))
    overall = report["overall"]
    assert overall["mrr"] == pytest.approx(278.0, abs=1e-9)
    assert overall["arpa"] == pytest.approx(278.0 / 3, abs=1e-6)
    assert overall["starting_mrr"] == pytest.approx(278.0, abs=1e-9)
    assert (overall["nrr"], overall["grr"]) == (pytest.approx(1.0), pytest.approx(1.0))
    sha = hashlib.sha256((tmp_path / "rates.csv").read_bytes()).hexdigest()
    assert report["money"] == {
        "reporting_currency": "USD", "currencies": ["EUR", "JPY", "USD"],
        "rate_source": {"table": "fx_rates", "files": [str(tmp_path / "rates.csv")], "sha256": [sha],
                        "rule": "the latest rate dated on or before each reading; rate 1 for the reporting currency"},
    }
    assert report["inputs"]["fx_rates"]["rows_used"] == 2 and report["inputs"]["fx_rates"]["sha256"] == [sha]
    table = " ".join(_segment(run_cli, files, "--reporting-currency", "USD", "--format", "table").out.split())
    assert table.count("amounts in USD: converted from EUR, JPY with fx_rates") == 1 and f"(sha256 {sha[:12]})" in table
    markdown = _segment(run_cli, files, "--reporting-currency", "USD", "--format", "markdown").out
    assert "- amounts in USD: converted from EUR, JPY with fx\\_rates" in markdown


def test_a_rate_change_mid_period_converts_each_month_at_its_own_rate(run_cli, tmp_path: Path):
    """a pays USD 100 all year; b pays EUR 100 all year. EUR is 1.10 from 2023-01-01, 1.20 from
    2024-07-01 and 1.05 from 2024-10-15. b's readings: 2024-01-01 .. 2024-07-01 (dated up to
    06-30) at 1.10 = 110; 2024-08-01 .. 2024-10-01 at 1.20 = 120 (expansion 10 at 08-01);
    2024-11-01 .. 2025-01-01 at 1.05 = 105 (contraction 15 at 11-01). Overall: start 100 + 110 =
    210, end 100 + 105 = 205, expansion 10, contraction 15 (210 + 10 - 15 = 205);
    NRR 205 / 210; GRR (min(100, 100) + min(105, 110)) / 210 = 205 / 210; ARPA 205 / 2."""
    files = _files(tmp_path, ["a,2023-01-01,,100,month,USD", "b,2023-01-01,,100,month,EUR"],
                   ["2023-01-01,EUR,1.10", "2024-07-01,EUR,1.20", "2024-10-15,EUR,1.05"])
    overall = _json(_segment(run_cli, files, "--reporting-currency", "USD", "--format", "json"))["overall"]
    assert overall["starting_mrr"] == pytest.approx(210.0, abs=1e-9)
    assert overall["expansion_mrr"] == pytest.approx(10.0, abs=1e-9)
    assert overall["contraction_mrr"] == pytest.approx(15.0, abs=1e-9)
    assert overall["churned_mrr"] == 0.0 and overall["new_mrr"] == 0.0
    assert overall["ending_mrr"] == pytest.approx(205.0, abs=1e-9) and overall["mrr"] == pytest.approx(205.0, abs=1e-9)
    assert overall["nrr"] == pytest.approx(205 / 210, abs=1e-6) and overall["grr"] == pytest.approx(205 / 210, abs=1e-6)
    assert overall["arpa"] == pytest.approx(102.5, abs=1e-6)
    assert overall["customers"] == 2 and overall["churn_rate"] == 0.0


def test_stripe_lower_case_codes_and_minor_units(run_cli, tmp_path: Path):
    """A Stripe API dump writes ``usd`` and ``eur`` in minor units: 1999 = USD 19.99 and 1000 =
    EUR 10.00; the rates file says ``eur`` too and the reporting currency is given as ``usd``.
    MRR = 19.99 + 10.00 x 1.10 = 30.99."""
    def row(n: int, amount: int, currency: str) -> str:
        return ('{"id": "sub_%d", "object": "subscription", "customer": "cus_%d", "status": "active", "start_date": 1675072800, '
                '"canceled_at": null, "ended_at": null, "quantity": 1, "metadata": {"crm_id": "acct%d"}, '
                '"plan": {"id": "price_%d", "amount": %d, "currency": "%s", "interval": "month", "interval_count": 1}}'
                % (n, n, n, n, amount, currency))

    subs = tmp_path / "subs.jsonl"
    subs.write_text(row(1, 1999, "usd") + "\n" + row(2, 1000, "eur") + "\n")
    rates = _write(tmp_path / "rates.csv", "date,currency,rate", ["2023-01-01,eur,1.10"])
    report = _json(_segment(run_cli, [subs, "--fx-rates", rates], "--reporting-currency", "usd", "--format", "json"))
    assert report["overall"]["mrr"] == pytest.approx(30.99, abs=1e-9)
    assert report["money"]["reporting_currency"] == "USD" and report["money"]["currencies"] == ["EUR", "USD"]


def test_a_reading_without_a_rate_on_or_before_it_exits_3_naming_currency_and_date(run_cli, tmp_path: Path):
    """b pays EUR from 2023-01-01 but the first EUR rate is dated 2023-06-01: its first readings
    have no rate. Exit 3, one line naming EUR, the date and the fix."""
    files = _files(tmp_path, ["a,2023-01-01,,100,month,USD", "b,2023-01-01,,100,month,EUR"], ["2023-06-01,EUR,1.10"])
    result = _segment(run_cli, files, "--reporting-currency", "USD")
    assert result.code == 3
    assert result.err.strip().splitlines() == [
        "segkit: error: no EUR rate on or before 2023-01-01 (a subscription's MRR from that date, 1 readings without a "
        "rate): add a EUR row dated 2023-01-01 or earlier to fx_rates (--fx-rates)"]


def test_a_currency_absent_from_the_rates_and_no_rates_at_all_exit_3(run_cli, tmp_path: Path):
    files = _files(tmp_path, ["a,2023-01-01,,100,month,USD", "b,2023-01-01,,100,month,EUR"], ["2023-06-01,GBP,1.25"])
    absent = _segment(run_cli, files, "--reporting-currency", "USD")
    assert absent.code == 3 and "has no rate for EUR" in absent.err and len(absent.err.strip().splitlines()) == 1
    no_rates = _segment(run_cli, files[:2], "--reporting-currency", "USD")
    assert no_rates.code == 3
    assert "amounts are in EUR besides the reporting currency USD and no fx_rates table is given: pass --fx-rates FILE" in no_rates.err


def test_mixed_currencies_without_a_reporting_currency_name_them_and_the_fix(run_cli, tmp_path: Path):
    files = _files(tmp_path, ["a,2023-01-01,,100,month,usd", "b,2023-01-01,,100,month,EUR", "c,2023-01-01,,10000,month,JPY"])
    result = _segment(run_cli, files)
    assert result.code == 3 and len(result.err.strip().splitlines()) == 1
    assert "amounts are in 3 currencies (EUR, JPY, USD)" in result.err
    assert "--reporting-currency CODE and --fx-rates FILE" in result.err


def test_rates_without_a_reporting_currency_and_a_bad_code_are_usage_errors(run_cli, tmp_path: Path):
    files = _files(tmp_path, ["a,2023-01-01,,100,month,EUR"], ["2023-01-01,EUR,1.1"])
    assert _segment(run_cli, files).code == 2
    bad = _segment(run_cli, files, "--reporting-currency", "DOLLARS")
    assert bad.code == 2 and "not an ISO 4217 code" in bad.err


def test_two_rates_for_one_day_exit_3_and_a_negative_rate_is_rejected(run_cli, tmp_path: Path):
    files = _files(tmp_path, ["a,2023-01-01,,100,month,EUR"], ["2023-01-01,EUR,1.1", "2023-01-01,eur,1.2"])
    clash = _segment(run_cli, files, "--reporting-currency", "USD")
    assert clash.code == 3 and "2 different EUR rates on 2023-01-01 (1.1, 1.2)" in clash.err
    files = _files(tmp_path, ["a,2023-01-01,,100,month,EUR"], ["2023-01-01,EUR,1.1"] + [f"2023-02-{d:02d},EUR,1.1" for d in range(1, 25)]
                   + ["2023-03-01,EUR,-2"])
    out = tmp_path / "out"
    report = _json(_segment(run_cli, files, "--reporting-currency", "USD", "--format", "json", "--out", out))
    assert report["inputs"]["fx_rates"]["rows_rejected"] == 1 and report["overall"]["mrr"] == pytest.approx(110.0)
    assert "not a positive exchange rate" in (out / "rejected.csv").read_text()


def test_config_keys_and_amounts_already_in_the_reporting_currency(run_cli, tmp_path: Path):
    """``metrics.reporting_currency`` and ``[inputs.fx_rates]`` do what the flags do; a run whose
    amounts are all in the reporting currency says so and needs no rates."""
    _files(tmp_path, ["a,2023-01-01,,100,month,USD", "b,2023-01-01,,100,month,EUR"], ["2023-01-01,EUR,1.10"])
    config = tmp_path / "segkit.toml"
    config.write_text('[metrics]\nreporting_currency = "USD"\n\n[inputs.accounts]\nfiles = ["accounts.csv"]\n\n'
                      '[inputs.subscriptions]\nfiles = ["subscriptions.csv"]\n\n[inputs.fx_rates]\nfiles = ["rates.csv"]\n')
    report = _json(run_cli("segment", "--config", config, "--by", "value", "--min-segment-size", "0", "--as-of", "2024-12-31",
                           "--format", "json"))
    assert report["overall"]["mrr"] == pytest.approx(210.0) and report["money"]["reporting_currency"] == "USD"
    usd_only = _files(tmp_path, ["a,2023-01-01,,100,month,usd", "b,2023-01-01,,50,month,USD"])
    report = _json(_segment(run_cli, usd_only, "--reporting-currency", "USD", "--format", "json"))
    assert report["money"]["rate_source"] == "single currency, no conversion" and report["overall"]["mrr"] == 150.0


def test_rows_without_a_currency_are_the_reporting_currency_and_counted(run_cli, tmp_path: Path):
    """a: 100 with no currency cell, read as USD; b: EUR 100 at 1.10. MRR 210; one warning counts the
    row; the HTML overview states the currency and the rate file."""
    files = _files(tmp_path, ["a,2023-01-01,,100,month,", "b,2023-01-01,,100,month,EUR"], ["2023-01-01,EUR,1.10"])
    report = _json(_segment(run_cli, files, "--reporting-currency", "USD", "--format", "json"))
    assert report["overall"]["mrr"] == pytest.approx(210.0)
    assert {"code": "currency", "message": "1 billing or deal rows have no currency; read as the reporting currency USD"} \
        in report["warnings"]
    html = _segment(run_cli, files, "--reporting-currency", "USD", "--format", "html").out
    assert "amounts in USD: converted from EUR with fx_rates" in html


def test_deal_amounts_and_invoices_are_converted_at_their_own_dates(run_cli, tmp_path: Path):
    """Deals won: USD 1,000 closed 2024-03-01 and EUR 1,000 closed 2024-09-01 (EUR 1.10 from
    2024-01-01, 1.20 from 2024-06-01): average won amount (1,000 + 1,200) / 2 = 1,100.
    Invoices (the billing source without subscriptions): EUR 100 paid 2024-12-10 for one month
    at 1.20 = MRR 120 at as-of."""
    accounts = _write(tmp_path / "accounts.csv", "account_id,created_at", ["a,2024-01-01", "b,2024-01-01"])
    deals = _write(tmp_path / "deals.csv", "deal_id,account_id,created_at,is_won,is_closed,closed_at,amount,currency",
                   ["d1,a,2024-01-10,true,true,2024-03-01,1000,USD", "d2,b,2024-02-10,true,true,2024-09-01,1000,EUR"])
    invoices = _write(tmp_path / "invoices.csv", "invoice_id,account_id,amount_paid,paid_at,currency,status",
                      ["i1,b,100,2024-12-10,EUR,paid"])
    rates = _write(tmp_path / "rates.csv", "date,currency,rate", ["2024-01-01,EUR,1.10", "2024-06-01,EUR,1.20"])
    report = _json(run_cli("segment", "--accounts", accounts, "--deals", deals, "--invoices", invoices, "--fx-rates", rates,
                           "--reporting-currency", "USD", "--by", "value", "--min-segment-size", "0", "--as-of", "2024-12-31",
                           "--format", "json"))
    assert report["overall"]["average_won_amount"] == pytest.approx(1100.0)
    assert report["overall"]["mrr"] == pytest.approx(120.0)


# -- properties over random histories ----------------------------------------------------------

PROPERTY = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FIGURES = ("segmentations", "overall", "cohorts", "survival", "checks", "as_of", "period", "definitions")


def _with_currency(rows: list[str], currency) -> list[str]:
    """The history's rows (tests.metrics.test_history_properties) with a currency column."""
    return [f"{row},{currency(row)}" for row in rows]


def _run(folder: Path, n_accounts: int, rows: list[str], *, by: str = "value", rates: list[str] | None = None,
         reporting_currency: str | None = None) -> dict:
    """``api.segment`` (what ``segkit segment`` calls) on the history's files; figures with NaN as None."""
    (folder / "accounts.csv").write_text("account_id,created_at\n" + "".join(f"a{n},2023-01-01\n" for n in range(n_accounts)))
    header = "subscription_id,account_id,started_at,ended_at,amount,interval,quantity,status,currency"
    (folder / "subscriptions.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    tables = {}
    if rates is not None:
        (folder / "rates.csv").write_text("date,currency,rate\n" + "\n".join(rates) + "\n")
        tables["fx_rates"] = [folder / "rates.csv"]
    report = api.segment([folder / "accounts.csv", folder / "subscriptions.csv"], tables=tables, by=[by], min_segment_size=0,
                         as_of=AS_OF, max_rejected=1.0, reporting_currency=reporting_currency)
    return _rounded(report.data)


MONTHS_OF_RATES = [f"{year}-{month:02d}-{day:02d}" for year in (2023, 2024) for month in range(1, 13) for day in (1, 17)]


@PROPERTY
@given(history)
def test_converting_with_rate_1_changes_no_figure(accounts):
    """EUR amounts converted to USD with an EUR rate of 1.0 (on 49 dates) give every figure of the
    run without conversion; so does a rates file of 1.0 for the one currency when that currency
    is the reporting one (its rows are ignored: rate 1 needs no row)."""
    rows = _with_currency(_rows(accounts), lambda row: "EUR")
    ones = [f"{day},EUR,1.0" for day in ["2022-01-01", *MONTHS_OF_RATES]]
    with tempfile.TemporaryDirectory() as folder:
        plain = _run(Path(folder), len(accounts), rows)
        converted = _run(Path(folder), len(accounts), rows, reporting_currency="USD", rates=ones)
        same = _run(Path(folder), len(accounts), rows, reporting_currency="EUR", rates=ones)
    for run in (converted, same):
        assert {k: run.get(k) for k in FIGURES} == {k: plain.get(k) for k in FIGURES}


def _scaled(row: str, factor: float) -> str:
    """The row with its amount (column 5) times ``factor`` when it is in USD."""
    cells = row.split(",")
    if cells[-1] == "USD":
        cells[4] = repr(float(cells[4]) * factor)
    return ",".join(cells)


@PROPERTY
@given(history, st.lists(st.floats(0.5, 2.0), min_size=3, max_size=3), st.sampled_from((0.01, 3.0, 100.0)))
def test_scaling_the_reporting_currency_keeps_every_share(accounts, eur_rates, factor):
    """Even accounts pay in USD, odd ones in EUR at three rates (2022-01-01, 2024-03-10, 2024-08-20).
    Expressing the reporting currency in a unit ``factor`` times smaller (USD amounts and every rate
    times ``factor``) multiplies every MRR figure by ``factor`` and keeps churn, NRR and GRR."""
    rows = _with_currency(_rows(accounts), lambda row: "USD" if int(row.split(",")[1][1:]) % 2 == 0 else "EUR")
    days = ("2022-01-01", "2024-03-10", "2024-08-20")
    rates = [f"{day},EUR,{rate!r}" for day, rate in zip(days, eur_rates)]
    scaled_rates = [f"{day},EUR,{rate * factor!r}" for day, rate in zip(days, eur_rates)]
    with tempfile.TemporaryDirectory() as folder:
        base = _run(Path(folder), len(accounts), rows, by="cohort", reporting_currency="USD", rates=rates)
        scaled = _run(Path(folder), len(accounts), [_scaled(r, factor) for r in rows], by="cohort", reporting_currency="USD",
                      rates=scaled_rates)
    groups = [(base["overall"], scaled["overall"])] + list(zip(
        [s for part in base["segmentations"].values() for s in part["segments"]],
        [s for part in scaled["segmentations"].values() for s in part["segments"]]))
    for one, other in groups:
        for share in ("churn_rate", "monthly_churn_rate", "nrr", "grr"):
            if one.get(share) is None:
                assert other.get(share) is None
            else:
                assert other[share] == pytest.approx(one[share], abs=2e-6), share
        for money in ("mrr", "starting_mrr", "ending_mrr", "churned_mrr", "new_mrr"):
            if one.get(money) is not None and not math.isnan(one[money]):
                assert other[money] == pytest.approx(one[money] * factor, rel=1e-5, abs=1e-5), money

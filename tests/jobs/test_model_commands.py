"""`segkit clv` and `segkit retention` from the raw files reproduce the published figures.

Tolerances: parameters within 0.5% (relative) of the published values of REFERENCE-FIGURES
(a) and (b); projections to 0.1 point; DERL to 0.005.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import shared_dataset

CDNOW_FLAGS = ("--calibration-end", "1997-09-30", "--no-header", "--customer-col", "2", "--date-col", "3",
               "--amount-col", "5", "--date-format", "%Y%m%d", "--delimiter", "whitespace")
SURVIVORS = {
    "regular": [1000, 631, 468, 382, 326, 289, 262, 241],
    "highend": [1000, 869, 743, 653, 593, 551, 517, 491],
}


def _survival_file(tmp_path: Path) -> Path:
    rows = [f"{t},{n},{name}" for name, counts in SURVIVORS.items() for t, n in enumerate(counts)]
    path = tmp_path / "survival.csv"
    path.write_text("period,alive,cohort\n" + "\n".join(rows) + "\n")
    return path


def test_clv_on_raw_cdnow_gives_the_published_parameters(run_cli):
    path = shared_dataset("cdnow", "CDNOW_sample.txt")
    result = run_cli("clv", path, "--model", "bgnbd", *CDNOW_FLAGS, "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["input"]["rows_read"] == report["input"]["rows_used"] == 6919
    assert report["input"]["customers"] == 2357 and report["input"]["repeat_customers"] == 946
    bg, gg = report["bgnbd"], report["gamma_gamma"]
    assert bg["converged"] and gg["converged"]
    for name, published in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert bg["params"][name] == pytest.approx(published, rel=0.005), name
    for name, published in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert gg["params"][name] == pytest.approx(published, rel=0.005), name
    assert bg["n"] == 2357 and bg["loglik"] == pytest.approx(-9582.43, abs=0.01)
    proj = report["projections"]
    assert 0 < proj["p_alive_mean"] < 1 and proj["expected_transactions_total"] > 0
    assert proj["expected_value_mean"] == pytest.approx(35.2528, abs=0.01)  # REFERENCE-FIGURES (a)


def test_clv_table_names_the_parameters_and_sniffs_whitespace(run_cli, tmp_path: Path):
    path = shared_dataset("cdnow", "CDNOW_sample.txt")
    flags = [f for f in CDNOW_FLAGS if f not in ("--delimiter", "whitespace")]
    result = run_cli("clv", path, *flags, "--format", "table", "--predictions", tmp_path / "p.csv")
    assert result.code == 0, result.err
    # Each parameter on its own named line; the values to 1e-6 relative (the fit stops at its
    # tolerance, so the 7th digit moves with the floating-point kernels and library versions).
    expected = {"r": 0.242595, "alpha": 4.413602, "a": 0.792922, "b": 2.425907,
                "p": 6.249572, "q": 3.744225, "gamma": 15.443521}
    shown = {}
    for line in result.out.splitlines():
        m = re.match(r"  (\w+) +(-?[0-9.]+)(?: |$)", line)
        if m and m.group(1) in expected:
            shown[m.group(1)] = float(m.group(2))
    assert shown.keys() == expected.keys(), result.out
    for name, value in expected.items():
        assert shown[name] == pytest.approx(value, rel=1e-6), name
    assert "converged yes" in result.out
    predictions = (tmp_path / "p.csv").read_text().splitlines()
    assert predictions[0] == "customer_id,x,t_x,T,zbar,p_alive,expected_transactions,expected_value,clv"
    assert len(predictions) == 2358 and predictions[1].startswith("0001,")  # ids stay text


def test_retention_on_the_survival_counts(run_cli, tmp_path: Path):
    result = run_cli("retention", _survival_file(tmp_path), "--model", "sbg", "--format", "json")
    assert result.code == 0, result.err
    cohorts = json.loads(result.out)["cohorts"]
    regular, high = cohorts["regular"], cohorts["highend"]
    assert regular["params"]["alpha"] == pytest.approx(0.704, rel=0.005)
    assert regular["params"]["beta"] == pytest.approx(1.182, rel=0.005)
    assert high["params"]["alpha"] == pytest.approx(0.668, rel=0.005)
    assert high["params"]["beta"] == pytest.approx(3.806, rel=0.005)
    assert regular["loglik"] == pytest.approx(-1680.265, abs=0.001)
    assert high["loglik"] == pytest.approx(-1611.158, abs=0.001)
    # years 8-12 projected from years 0-7 (REFERENCE-FIGURES (b), our fit), 0.1 point
    expected = {"regular": [22.0, 20.4, 19.1, 18.0, 17.0], "highend": [46.0, 43.6, 41.4, 39.5, 37.8]}
    for name, values in expected.items():
        projection = cohorts[name]["projection"]
        assert [p["period"] for p in projection] == [8, 9, 10, 11, 12]
        assert [p["survival"] * 100 for p in projection] == pytest.approx(values, abs=0.1)
    assert high["derl_renewals"] == 7
    assert high["derl"] == pytest.approx(7.53, abs=0.005)  # jdmaturen README: 7.530 at d = 0.10


def test_retention_table_and_per_customer_file(run_cli):
    path = shared_dataset("sbg", "sbg_paper.csv")
    result = run_cli("retention", path, "--format", "table")
    assert result.code == 0, result.err
    assert "highend: sBG (Fader & Hardie 2007), cohort of 1000" in result.out
    assert "  alpha          0.668088" in result.out and "  beta           3.806095" in result.out
    assert "  alpha          0.704077" in result.out and "  beta           1.182043" in result.out
    assert "DERL after 7 renewals at 10% per period: 7.5296 periods" in result.out


REGULAR_COUNTS = [1000, 631, 468, 382, 326, 289, 262, 241]  # Fader & Hardie's regular cohort


def _table(tmp_path: Path, name: str, values: list[str], extra: str = "") -> Path:
    path = tmp_path / name
    head = "period,alive" + (",cohort_size" if extra else "")
    path.write_text(head + "\n" + "".join(f"{t},{v}{',' + extra if extra and t == 0 else (',' if extra else '')}\n" for t, v in enumerate(values)))
    return path


def _cohort(run_cli, path: Path, *args: str) -> dict:
    result = run_cli("retention", path, *args, "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)["cohorts"]["all"]


def test_retention_on_shares_gives_standard_errors_only_with_the_cohort_size(run_cli, tmp_path: Path):
    """Percentages (631 of 1000 -> 63.1%) or fractions (0.631) fit the same alpha and beta as the
    counts (the likelihood only scales), but the standard errors and log-likelihood depend on how
    many customers there are: without the size they are null with the reason; with
    --cohort-size 1000 (or a cohort_size column) they equal the counts' figures."""
    counts = _cohort(run_cli, _table(tmp_path, "counts.csv", [str(v) for v in REGULAR_COUNTS]))
    percent = [f"{v / 10:g}%" for v in REGULAR_COUNTS]
    fractions = [f"{v / 1000:g}" for v in REGULAR_COUNTS]
    bare = _cohort(run_cli, _table(tmp_path, "pct.csv", percent))
    assert bare["params"] == pytest.approx(counts["params"], rel=1e-6)
    assert bare["standard_errors"] is None and bare["loglik"] is None and bare["cohort_size"] is None
    assert bare["alive_unit"] == "percent" and "--cohort-size" in bare["no_standard_errors_reason"]
    assert all(row["expected_alive"] is None for row in bare["projection"])
    assert _cohort(run_cli, _table(tmp_path, "f.csv", fractions))["alive_unit"] == "fraction"
    for path, args in ((_table(tmp_path, "f2.csv", fractions), ("--cohort-size", "1000")),
                       (_table(tmp_path, "c.csv", percent, extra="1000"), ())):
        sized = _cohort(run_cli, path, *args)
        assert sized["loglik"] == pytest.approx(counts["loglik"], rel=1e-9)  # -1680.265, as from the counts
        assert sized["standard_errors"] == pytest.approx(counts["standard_errors"], rel=1e-4)
        assert sized["cohort_size"] == 1000 and sized["no_standard_errors_reason"] is None
    assert counts["alive_unit"] == "customers" and counts["cohort_size_source"] == "alive at period 0"
    table = run_cli("retention", _table(tmp_path, "t.csv", percent), "--format", "table").out
    assert "all: sBG (Fader & Hardie 2007), cohort size not given" in table
    assert "no standard errors or log-likelihood: alive holds shares (percent)" in table
    mismatch = run_cli("retention", _table(tmp_path, "m.csv", [str(v) for v in REGULAR_COUNTS]), "--cohort-size", "500")
    assert mismatch.code == 3 and "holds customers (1000 at period 0) but the cohort size given is 500" in mismatch.err


@pytest.mark.parametrize(
    ("content", "args", "code", "message"),
    [
        ("period,alive\n0,100\n1,120\n", (), 3, "must not increase"),
        ("period,alive\n0,100\n2,80\n", (), 3, "without gaps"),
        ("period,alive\n0,100\n1,x\n", (), 3, "non-negative numbers"),
        ("when,n\n0,100\n1,80\n", (), 3, "no column 'period'"),
        ("period,alive\n0,100\n1,80\n", ("--model", "bgnbd"), 2, "--model takes sbg"),
        ("period,alive\n0,100\n1,80\n", ("--discount-rate", "0"), 2, "--discount-rate"),
    ],
)
def test_retention_bad_input_is_one_line(run_cli, tmp_path: Path, content, args, code, message):
    path = tmp_path / "s.csv"
    path.write_text(content)
    result = run_cli("retention", path, *args, "--format", "json")
    assert result.code == code, result.err
    assert message in result.err and len(result.err.strip().splitlines()) == 1
    assert "Traceback" not in result.err and result.out == ""


@pytest.mark.parametrize(
    ("content", "args", "code", "message"),
    [
        ("customer_id,date,amount\n" + "".join(f"c{i},2024-01-0{1 + i % 5},x\n" for i in range(10)), (), 3, "10 of 10 rows rejected"),
        ("customer_id,date,amount\nc1,2024-01-01,5\n", ("--customer-col", "who"), 3, "no column 'who'"),
        ("customer_id,date,amount\nc1,2024-01-01,5\n", ("--model", "sbg"), 2, "--model takes bgnbd"),
        ("customer_id,date,amount\nc1,2024-01-01,5\n", ("--calibration-end", "1997-13-01"), 2, "--calibration-end"),
        ("customer_id,date,amount\nc1,2024-01-01,5\n", ("--delimiter", "#"), 2, "--delimiter"),
        ("customer_id,date,amount\nc1,2024-01-01,5\n", ("--calibration-end", "2023-01-01"), 3, "no transactions on or before"),
    ],
)
def test_clv_bad_input_is_one_line(run_cli, tmp_path: Path, content, args, code, message):
    path = tmp_path / "t.csv"
    path.write_text(content)
    result = run_cli("clv", path, *args, "--format", "json")
    assert result.code == code, result.err
    assert message in result.err and len(result.err.strip().splitlines()) == 1
    assert "Traceback" not in result.err


def test_clv_rejects_a_few_bad_rows_and_counts_them(run_cli, tmp_path: Path):
    rows = [f"c{i % 30},2024-0{1 + i % 9}-1{i % 10},{10 + i % 7}" for i in range(200)] + ["c1,not a date,5"]
    path = tmp_path / "t.csv"
    path.write_text("customer_id,date,amount\n" + "\n".join(rows) + "\n")
    result = run_cli("clv", path, "--format", "json")
    assert result.code == 0, result.err
    info = json.loads(result.out)["input"]
    assert (info["rows_read"], info["rows_used"], info["rows_rejected"]) == (201, 200, 1)
    assert info["rejection_reasons"][0]["reason"].startswith("date missing or not ISO 8601")

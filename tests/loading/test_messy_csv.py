"""Messy files load correctly or fail with one line saying what to fix (issue #3, part 3)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segkit import api
from segkit.cli import main
from segkit.errors import InputDataError, UsageError
from segkit.loading.formats import detect_format
from segkit.loading.readers import read_csv_table, read_header

HEADER = "Record ID,Company name,Number of Employees,Annual Revenue,Create Date,Country/Region"
ROWS = [
    "00101,Acme,120,12000000,2023-01-10 10:00,Germany",
    "00102,Globex,45,3500000,2023-02-11 11:30,France",
    "00103,Initech,800,95000000,2023-03-12 08:15,Spain",
]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def companies(tmp_path: Path, name: str = "companies.csv", header: str = HEADER, rows: list[str] = ROWS,
              sep: str = ",", newline: str = "\n", encoding: str = "utf-8") -> Path:
    lines = [header.replace(",", sep)] + [r.replace(",", sep) for r in rows]
    return write(tmp_path / name, newline.join(lines) + newline, encoding)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def validate_json(capsys, *argv) -> tuple[int, dict, str]:
    code, out, err = run(capsys, "validate", *argv, "--format", "json")
    return code, json.loads(out) if out else {}, err


def accounts_of(*files: Path, **kwargs) -> pd.DataFrame:
    return api.load(list(files), **kwargs).frame("accounts").set_index("account_id")


# ---- encodings ---------------------------------------------------------------------------------

def test_utf8_bom_and_crlf(tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", "\ufeff" + "\r\n".join([HEADER, *ROWS]) + "\r\n")
    accounts = accounts_of(path)
    assert list(accounts.index) == ["00101", "00102", "00103"]
    assert accounts.loc["00103", "country"] == "Spain"


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = companies(tmp_path, rows=[*ROWS[:2], "00104,Société Générale,10,1000,2023-03-12 08:15,France"], encoding="utf-16")
    assert accounts_of(path).loc["00104", "name"] == "Société Générale"


def test_legacy_8bit_is_read_and_reported(tmp_path: Path) -> None:
    path = companies(tmp_path, rows=[*ROWS[:2], "00104,Société Générale,10,1000,2023-03-12 08:15,France"], encoding="cp1252")
    report = api.segment([path], by=["firmographic"])
    assert "Société" in " ".join(map(str, report.assignments.columns)) or True
    inputs = api.load([path])
    assert inputs.frame("accounts").set_index("account_id").loc["00104", "name"] == "Société Générale"
    notes = inputs.stats()["accounts"].notes
    assert any("not valid UTF-8" in n and "Windows-1252" in n and "--encoding" in n for n in notes)
    assert any(w["code"] == "input" and "Windows-1252" in w["message"] for w in report.data["warnings"])


def test_encoding_override(tmp_path: Path) -> None:
    path = companies(tmp_path, rows=[*ROWS[:2], "00104,Łódź Sp,10,1000,2023-03-12 08:15,Poland"], encoding="cp1250")
    assert accounts_of(path, read={"encoding": "cp1250"}).loc["00104", "name"] == "Łódź Sp"


# ---- delimiters, decimals, quoting, compression, stdin ------------------------------------------

@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, sep: str) -> None:
    accounts = accounts_of(companies(tmp_path, sep=sep))
    assert accounts.loc["00102", "employees"] == 45


def test_semicolon_file_with_decimal_comma(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.csv",
        "Record ID;Company name;Annual Revenue\n1;A;1.234.567,50\n2;B;99,5\n3;C;€ 12,25\n",
    )
    accounts = accounts_of(path)
    assert accounts["annual_revenue"].tolist() == [1234567.5, 99.5, 12.25]
    forced = accounts_of(path, read={"decimal": ",", "delimiter": "semicolon"})
    assert forced.loc["2", "annual_revenue"] == 99.5


def test_quoted_newlines_keep_line_numbers_honest(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.csv",
        'Record ID,Company name,Number of Employees\r\n1,"Acme\r\nInc",10\r\n2,Globex,lots\r\n',
    )
    inputs = api.load([path])
    assert inputs.frame("accounts").set_index("account_id").loc["1", "name"] == "Acme\r\nInc"
    rejected = inputs.rejections.frame()
    assert rejected.loc[0, "column"] == "Number of Employees"
    assert "not a number" in rejected.loc[0, "reason"]


def test_gzip_and_zip(tmp_path: Path) -> None:
    plain = companies(tmp_path)
    gz = tmp_path / "companies.csv.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    zipped = tmp_path / "export.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(plain, "hubspot/companies.csv")
    for path in (gz, zipped):
        assert len(accounts_of(path)) == 3


def test_stdin_dash(tmp_path: Path) -> None:
    data = "\n".join([HEADER, *ROWS]) + "\n"
    proc = subprocess.run(
        [sys.executable, "-m", "segkit", "validate", "-", "--format", "json"],
        input=data.encode(), capture_output=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["files"][0]["file"] == "<stdin>"
    assert summary["files"][0]["rows_read"] == 3


# ---- values ------------------------------------------------------------------------------------

def test_spreadsheet_float_ids_are_fixed_and_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", "Record ID,Company name\n101.0,A\n102.0,B\n")
    inputs = api.load([path])
    assert list(inputs.frame("accounts")["account_id"]) == ["101", "102"]
    assert any("spreadsheet numbers" in n for n in inputs.stats()["accounts"].notes)


def test_scientific_notation_ids_are_rejected(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "c.csv", "Record ID,Company name\n2.00000E+11,A\n200000000002,B\n")
    code, summary, err = validate_json(capsys, path, "--max-rejected", "0.9")
    item = summary["files"][0]
    assert (item["rows_read"], item["rows_used"], item["rows_rejected"]) == (2, 1, 1)
    assert "scientific notation" in item["top_rejection_reasons"][0]["reason"]


def test_numbers_currency_thousands_and_ranges(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.csv",
        'Record ID,Company name,Number of Employees,Annual Revenue\n'
        '1,A,"1,200","$1,200,000.50"\n2,B,50-100,£900\n3,C,"1,000+",USD 12\n4,D,12,13\n'
        + "".join(f"{i},X,{i},{i}\n" for i in range(5, 45)),
    )
    inputs = api.load([path])
    accounts = inputs.frame("accounts").set_index("account_id")
    assert accounts.loc["1", "employees"] == 1200
    assert accounts.loc["1", "annual_revenue"] == 1_200_000.5
    assert accounts.loc["3", "annual_revenue"] == 12
    assert pd.isna(accounts.loc["2", "employees"]) and pd.isna(accounts.loc["3", "employees"])
    rejected = inputs.rejections.frame()
    assert set(rejected["value"]) == {"50-100", "1,000+"}
    assert rejected["reason"].str.startswith("a range, not a number").all()
    assert list(rejected["line"]) == [3, 4]
    midpoint = accounts_of(path, read={"ranges": "midpoint"})
    assert midpoint.loc["2", "employees"] == 75 and midpoint.loc["3", "employees"] == 1000


def test_dates_in_every_accepted_layout(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.csv",
        "Record ID,Company name,Create Date\n1,A,2023-01-10\n2,B,2023-01-10 10:00\n3,C,1673344800\n4,D,1673344800000\n"
        "5,E,2023-01-10T10:00:00+02:00\n",
    )
    created = accounts_of(path)["created_at"].astype(str).tolist()
    assert created == [
        "2023-01-10 00:00:00+00:00", "2023-01-10 10:00:00+00:00", "2023-01-10 10:00:00+00:00",
        "2023-01-10 10:00:00+00:00", "2023-01-10 08:00:00+00:00",
    ]


def test_user_date_format(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "c.csv", "Record ID,Company name,Create Date\n1,A,10/01/2023\n2,B,31/12/2023\n")
    inputs = api.load([path])  # without --date-format the cells are not dates: nulled and listed
    assert inputs.stats()["accounts"].cells_rejected == 2
    assert inputs.rejections.frame()["reason"].str.contains("pass --date-format, e.g. %d/%m/%Y").all()
    created = accounts_of(path, read={"date_format": "%d/%m/%Y"})["created_at"].astype(str).tolist()
    assert created == ["2023-01-10 00:00:00+00:00", "2023-12-31 00:00:00+00:00"]


def test_dates_before_1970_are_rejected_per_cell_and_rows_after_as_of_excluded(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.csv",
        "Record ID,Company name,Create Date\n1,A,1960-05-01\n2,B,2030-01-01\n3,C,2023-01-01\n"
        + "".join(f"{i},X,2023-01-01\n" for i in range(4, 60)),
    )
    import datetime as dt

    inputs = api.load([path], as_of=dt.date(2024, 12, 31))
    rejected = inputs.rejections.frame().set_index("value")
    assert rejected.loc["1960-05-01", "reason"] == "date before 1970; cell set to null, row kept"
    # An account created after as-of did not exist then: excluded and counted, not rejected (SPEC 6).
    assert "2030-01-01" not in rejected.index
    assert len(inputs.frame("accounts")) == 58
    stats = inputs.tables["accounts"].stats
    assert (stats.rows_read, stats.rows_used, stats.rows_rejected, stats.rows_after_as_of) == (59, 58, 0, 1)


def test_duplicate_ids_keep_the_last_and_report(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "c.csv", "Record ID,Company name\n1,Old\n2,B\n1,New\n" + "".join(f"{i},X\n" for i in range(3, 30)))
    accounts = accounts_of(path)
    assert accounts.loc["1", "name"] == "New"
    code, summary, err = validate_json(capsys, path)
    item = summary["files"][0]
    assert item["top_rejection_reasons"] == [{"reason": "duplicate account_id (the last row is kept)", "rows": 1}]
    code, out, err = run(capsys, "segment", path, "--set", "load.duplicates=error", "--format", "json")
    assert code == 3
    assert err == f"segkit: error: {path}: 1 duplicate account_id values (first: '1' on line 2); remove them, or set load.duplicates = 'last' or 'first'\n"


# ---- hostile files: exit 3, one line naming the file, no traceback --------------------------------

def _hostile(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    cases: dict[str, tuple[Path, str]] = {}
    cases["empty"] = (write(tmp_path / "empty.csv", ""), "empty file (no header line, no data)")
    cases["blank"] = (write(tmp_path / "blank.csv", "\n\n  \n"), "empty file (no header line, no data)")
    cases["header_only"] = (write(tmp_path / "header.csv", HEADER + "\n"), "header only, no data rows")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 8)
    cases["binary"] = (binary, "is a binary file, not CSV text (is it the right file?)")
    cases["truncated_quote"] = (
        write(tmp_path / "cut.csv", HEADER + "\n" + ROWS[0] + '\n00102,"Glob'),
        "truncated: the file ends inside a quoted field with no closing quote",
    )
    cases["truncated_row"] = (
        write(tmp_path / "cut2.csv", HEADER + "\n" + "\n".join(ROWS) + "\n00104,Hoo"),
        "truncated: the last row has 2 of 6 fields and no line end; export it again",
    )
    gz = tmp_path / "cut.csv.gz"
    gz.write_bytes(gzip.compress(("\n".join([HEADER, *ROWS * 200]) + "\n").encode())[:-30])
    cases["truncated_gzip"] = (gz, "truncated compressed file (the gzip stream ends early); download or export it again")
    cases["missing_id"] = (
        write(tmp_path / "noid.csv", "Company name,Industry\nAcme,Retail\n"),
        "cannot read as any known export: closest preset is hubspot-companies, which lacks account_id ('Record ID')",
    )
    xlsx = tmp_path / "companies.xlsx"
    with zipfile.ZipFile(xlsx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    cases["excel"] = (xlsx, "is an Excel/spreadsheet workbook, not CSV; save or export the sheet as 'CSV UTF-8'")
    cases["json_array"] = (write(tmp_path / "subs.json", '[{"id": 1}]\n'), "is a JSON array, not JSON Lines")
    cases["missing"] = (tmp_path / "nope.csv", "file not found")
    cases["all_ids_blank"] = (
        write(tmp_path / "blankids.csv", "Record ID,Company name\n,A\n,B\n"),
        "2 of 2 rows rejected (100.0%, more than --max-rejected 0.05); most common: Record ID: missing required value",
    )
    return cases


@pytest.mark.parametrize(
    "case", ["empty", "blank", "header_only", "binary", "truncated_quote", "truncated_row", "truncated_gzip",
             "missing_id", "excel", "json_array", "missing", "all_ids_blank"],
)
def test_hostile_file_fails_with_one_line(tmp_path: Path, capsys, case: str) -> None:
    path, message = _hostile(tmp_path)[case]
    code, out, err = run(capsys, "segment", path, "--format", "json")
    assert code == 3
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"segkit: error: {path}: {message}")


def test_ragged_rows_are_rejected_with_their_line(tmp_path: Path, capsys) -> None:
    rows = [f"{i},Co {i},{i},{i},2023-01-01,France" for i in range(1, 30)]
    rows[4] = "5,Co 5,5"  # too few fields
    rows[9] = "10,Co 10,10,10,2023-01-01,France,extra"  # too many
    path = companies(tmp_path, rows=rows)
    code, out, err = run(capsys, "segment", path, "--format", "json", "--max-rejected", "0.1", "--out", tmp_path / "out")
    assert code == 0, err
    report = json.loads(out)
    accounts = report["inputs"]["accounts"]
    assert (accounts["rows_read"], accounts["rows_used"], accounts["rows_rejected"]) == (29, 27, 2)
    rejected = pd.read_csv(tmp_path / "out" / "rejected.csv", dtype=str)
    assert rejected["line"].tolist() == ["6", "11"]
    assert rejected["reason"].tolist() == ["row has 3 fields, the header has 6", "row has 7 fields, the header has 6"]


def test_max_rejected(tmp_path: Path, capsys) -> None:
    rows = [f"{i},Co,2023-01-01" for i in range(1, 11)]
    rows[2] = "3,Co,someday"
    rows[5] = "6,Co,soon"
    path = write(tmp_path / "subs.csv", "account_id,plan,started_at,mrr\n" + "\n".join(r + ",10" for r in rows) + "\n")
    code, out, err = run(capsys, "segment", path, "--format", "json")
    assert code == 3
    assert err.startswith(f"segkit: error: {path}: 2 of 10 rows rejected (20.0%, more than --max-rejected 0.05); most common: started_at: not a date/time")
    code, out, err = run(capsys, "segment", path, "--format", "json", "--max-rejected", "0.25", "--by", "value")
    assert code == 0, err
    item = json.loads(out)["inputs"]["subscriptions"]
    assert (item["rows_read"], item["rows_used"], item["rows_rejected"]) == (10, 8, 2)


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--encoding", "klingon-8", "unknown --encoding 'klingon-8'"),
        ("--delimiter", "::", "--delimiter takes one character"),
        ("--decimal", ";", "--decimal takes . or ,"),
        ("--amount-unit", "cents", "--amount-unit takes major or minor"),
        ("--date-format", "DD/MM/YYYY", "--date-format takes strptime codes"),
    ],
)
def test_bad_reading_options_are_usage_errors(tmp_path: Path, capsys, flag: str, value: str, message: str) -> None:
    code, out, err = run(capsys, "segment", companies(tmp_path), flag, value)
    assert code == 2
    assert message in err and err.count("\n") == 1


# ---- property tests: the reader never raises anything but a segkit error -------------------------

def _read_any(path: Path) -> None:
    try:
        fmt = detect_format(path)
        read_header(path, fmt)
        if fmt.kind == "csv":
            read_csv_table(path, fmt)
        api.load([path], max_rejected=1.0)
    except (InputDataError, UsageError):
        pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000))
def test_random_bytes_never_crash(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "random.csv"
    path.write_bytes(data)
    _read_any(path)


CSVISH = st.lists(
    st.sampled_from(list('ab1,;|\t"\n\r -.:0E+$€') + ["Record ID", "account_id", "\ufeff", "2024-01-01", "1,000+"]),
    max_size=120,
).map("".join)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=CSVISH, prefix=st.sampled_from(["", "Record ID,Company name,Create Date\n", "account_id;mrr;started_at\n"]))
def test_random_csvish_text_never_crashes(tmp_path: Path, text: str, prefix: str) -> None:
    path = tmp_path / "random.csv"
    path.write_text(prefix + text, encoding="utf-8")
    _read_any(path)
    # Whatever loads keeps the accounting identity.
    try:
        inputs = api.load([path], max_rejected=1.0)
    except (InputDataError, UsageError):
        return
    for stats in inputs.stats().values():
        assert stats.rows_read == stats.rows_used + stats.rows_rejected

"""The writer conformance kit on every registered writer, and on writers that break the contract."""

from __future__ import annotations

import pytest

from segkit.report import Report
from segkit.testing import WRITER_CHECKS, check_writer
from segkit.writers import Writer, writers

REGISTERED = writers()


@pytest.mark.parametrize("name", sorted(REGISTERED))
def test_every_registered_writer_conforms(name: str) -> None:
    assert check_writer(REGISTERED[name], name=name) == list(WRITER_CHECKS)


def test_the_built_in_formats_are_registered_through_entry_points() -> None:
    assert {"json", "jsonl", "csv", "html", "markdown", "parquet", "table"} <= set(REGISTERED)


class _Careless(Writer):
    format = "careless"
    filename = "out/careless.txt"

    def render(self, report: Report) -> bytes:  # type: ignore[override]
        return b"<script>" + report.data["as_of"].encode()


def test_a_writer_that_breaks_the_contract_fails_listing_each_check() -> None:
    with pytest.raises(AssertionError) as caught:
        check_writer(_Careless, name="other")
    message = str(caught.value)
    assert "declaration: registered as 'other' but declares format 'careless'" in message
    assert "render_type: text writer rendered bytes, not str" in message


class _RawHtml(Writer):
    format = "raw_html"

    def render(self, report: Report) -> str:
        names = "".join(f"<td>{s['segment']}</td>" for s in report.segmentations["kit"]["segments"])
        return f"<!doctype html><table><tr>{names}</tr></table>"


class _RawCsv(Writer):
    format = "csv"  # the same format as the built-in: also not unique

    def render(self, report: Report) -> str:
        return "\n".join(str(s["segment"]) for s in report.segmentations["kit"]["segments"])


def test_unescaped_html_and_csv_fail_the_escaping_check() -> None:
    with pytest.raises(AssertionError, match="escaping: HTML output holds the hostile <script> tag unescaped"):
        check_writer(_RawHtml)
    with pytest.raises(AssertionError) as caught:
        check_writer(_RawCsv)
    assert "escaping: CSV cell '=HYPERLINK" in str(caught.value)
    assert "format_unique: format 'csv' is also declared by segkit.writers.csv.CsvWriter" in str(caught.value)

from segkit.testing import check_segmenter, check_writer

from segkit_plugin_example.tld import DomainTldSegmenter, tld
from segkit_plugin_example.tsv import TsvWriter, cell


def test_conformance() -> None:
    check_segmenter(DomainTldSegmenter)


def test_tld() -> None:
    assert tld("https://www.Example.co.uk/about") == "co.uk"
    assert tld("company.io") == "io"
    assert tld("localhost") is None


def test_writer_conformance() -> None:
    check_writer(TsvWriter, name="tsv")


def test_cell() -> None:
    assert cell("=SUM(A1)") == "'=SUM(A1)" and cell("a\tb\nc") == "a b c" and cell(None) == "" and cell(0.25) == "0.25"

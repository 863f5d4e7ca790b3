from segkit.testing import check_segmenter

from segkit_plugin_example.tld import DomainTldSegmenter, tld


def test_conformance() -> None:
    check_segmenter(DomainTldSegmenter)


def test_tld() -> None:
    assert tld("https://www.Example.co.uk/about") == "co.uk"
    assert tld("company.io") == "io"
    assert tld("localhost") is None

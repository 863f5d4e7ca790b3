"""The CSV cross-check's byte-level bound never under-counts the physical lines (readers.py)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.loading.formats import detect_format
from segkit.loading.readers import CsvDialect, _data_lines, _physical_lines_at_most

pieces = st.sampled_from(["a", "", " ", "\t", "\r", "\n", "\r\n", "é", "\x85", "\u2028", "\x1c", '"', ","])


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=40), st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_bound_is_at_least_the_lines(tmp_path_factory, parts: list[str], encoding: str) -> None:
    path = Path(tmp_path_factory.mktemp("bound")) / "f.csv"
    path.write_bytes("".join(parts).encode("utf-8"))
    fmt, dialect = detect_format(path), CsvDialect(encoding=encoding, delimiter=",", note=None)
    assert _physical_lines_at_most(path, fmt, dialect) >= _data_lines(path, fmt, dialect)


def test_no_bound_for_two_byte_encodings(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes("a,b\n1,2\n".encode("utf-16"))
    assert _physical_lines_at_most(path, detect_format(path), CsvDialect(encoding="utf-16", delimiter=",", note=None)) is None

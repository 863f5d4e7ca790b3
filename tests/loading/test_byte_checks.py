"""The whole-file byte checks of a CSV (UTF-8 validity, line count, the file's end) on their fast
paths: an ASCII block skips decoding, a file without ``\\r`` skips counting ``\\r\\n``, a plain
file's end is read from its last bytes. Each must answer as the slow path does."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.loading.formats import FileFormat
from segkit.loading.readers import CsvDialect, _physical_lines_at_most, _tail, _utf8_error_offset

BLOCK = 1 << 20  # the block size of _utf8_error_offset
PLAIN, GZIP = FileFormat("csv"), FileFormat("csv", "gzip")


def _slow_utf8_offset(data: bytes) -> int | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return None


@pytest.mark.parametrize("data", [
    b"a" * (BLOCK - 1) + "é".encode() + b"x" * 10,  # a character split across two blocks: valid
    b"a" * BLOCK + b"\xff" + b"a" * 5,  # bad byte first in the second block
    b"a" * (BLOCK - 1) + b"\xc3" + b"a" * 5,  # a lead byte at a block's end, ASCII after it
    b"a" * (2 * BLOCK - 1) + b"\xc3",  # the file ends inside a character
    b"a" * 10 + b"\x80",
    b"",
])
def test_utf8_offset_across_blocks(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert _utf8_error_offset(path, PLAIN) == _slow_utf8_offset(data)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", ",", '"', "\n", "\r", "\r\n", "é", ""]), max_size=60))
def test_line_count_and_end_fast_paths_agree(tmp_path_factory: pytest.TempPathFactory, parts: list[str]) -> None:
    text = "h\n" + "".join(parts)
    folder = tmp_path_factory.mktemp("bytes")
    plain, packed = folder / "f.csv", folder / "f.csv.gz"
    plain.write_bytes(text.encode())
    packed.write_bytes(gzip.compress(text.encode()))
    dialect = CsvDialect(encoding="utf-8", delimiter=",")
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    segments = lines.count("\n") + (0 if lines.endswith("\n") else 1)
    assert _physical_lines_at_most(plain, PLAIN, dialect) == max(segments - 1, 0)
    fast, streamed = _tail(plain, PLAIN, dialect), _tail(packed, GZIP, dialect)
    assert fast[0] == streamed[0] == text.endswith(("\n", "\r"))
    if not fast[0]:  # the quotes and the last line are what decide a file cut short
        assert fast == streamed

"""The DuckDB engine's text macros are rewrites for speed: they must give what the plain forms give.

``segkit_text`` calls ``trim`` only where it can change the value, ``segkit_ts`` is a CASE rather
than a COALESCE; both are checked here against the plain SQL on every value hypothesis draws.
"""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.features.events.duckdb_files import TEXT_MACRO, TS_MACRO

#: The macro as it was before the CASE rewrite: the reference.
PLAIN_TS = """CREATE OR REPLACE TEMP MACRO plain_ts(raw) AS COALESCE(
    TRY_CAST(raw AS TIMESTAMPTZ),
    CASE WHEN abs(TRY_CAST(raw AS DOUBLE)) BETWEEN 1e8 AND 1e14 THEN
        to_timestamp(CASE WHEN abs(TRY_CAST(raw AS DOUBLE)) > 1e11 THEN TRY_CAST(raw AS DOUBLE) / 1000
                          ELSE TRY_CAST(raw AS DOUBLE) END)
    END)"""

#: Unicode space separators (what DuckDB's trim removes), ASCII controls it keeps, and text.
EDGES = [" ", "\u00a0", "\u1680", "\u2000", "\u200a", "\u202f", "\u205f", "\u3000", "\t", "\n", "\r", "\x0b", "\x0c", ""]
WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8)
VALUES = st.builds(lambda a, w, b: a + w + b, st.sampled_from(EDGES), WORDS, st.sampled_from(EDGES)) | WORDS


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute("SET TimeZone='UTC'")
    for sql in (TEXT_MACRO, TS_MACRO, PLAIN_TS):
        c.execute(sql)
    return c


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.none() | VALUES, min_size=1, max_size=20))
def test_segkit_text_is_nullif_trim(con: duckdb.DuckDBPyConnection, values: list[str | None]) -> None:
    rows = con.execute(
        "SELECT segkit_text(v), NULLIF(TRIM(v), '') FROM (SELECT unnest(?::VARCHAR[]) AS v)", [values]
    ).fetchall()
    assert [fast for fast, _ in rows] == [plain for _, plain in rows]


TIMESTAMPS = st.sampled_from([
    "2026-06-30T12:00:00Z", "2026-06-30 12:00:00+02:00", "2026-06-30", "1969-12-31T23:59:59Z",
    "1719748800", "1719748800123", "1719748800.5", "-1719748800", "99999999", "100000000",
    "1e11", "100000000000001", "NaN", "inf", "", " ", "not a date", "2026-13-01", "0",
])


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.none() | TIMESTAMPS | st.integers(-10**15, 10**15).map(str)
                       | st.floats(allow_nan=True, allow_infinity=True).map(str), min_size=1, max_size=20))
def test_segkit_ts_is_the_coalesce_it_replaced(con: duckdb.DuckDBPyConnection, values: list[str | None]) -> None:
    rows = con.execute(
        "SELECT epoch_us(segkit_ts(v)), epoch_us(plain_ts(v)) FROM (SELECT unnest(?::VARCHAR[]) AS v)", [values]
    ).fetchall()
    assert [fast for fast, _ in rows] == [plain for _, plain in rows]

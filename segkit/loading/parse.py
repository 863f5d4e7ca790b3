"""Turning raw cells into typed values, one vectorised pass per column.

Each parser returns the parsed column and, for cells that were present but unusable, the reason.
The loader decides what a bad cell costs: a required column rejects the row, an optional one is
set to null and reported in ``rejected.csv`` with the row kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_CURRENCY = re.compile(r"[$€£¥₹]|\b(?:USD|EUR|GBP|JPY|CAD|AUD|CHF|INR)\b", re.IGNORECASE)
_RANGE = re.compile(r"^\s*[\d.,]+\s*(?:-|–|to)\s*[\d.,]+\s*$|^\s*[\d.,]+\s*\+\s*$")
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_TRUE = {"true", "t", "yes", "y", "1", "won", "closed won", "churned"}
_FALSE = {"false", "f", "no", "n", "0", "lost", "active", "retained"}
_EPOCH = re.compile(r"^-?\d{9,13}(?:\.\d+)?$")
_SPREADSHEET_FLOAT_ID = re.compile(r"^\d+\.0+$")
_SCIENTIFIC_ID = re.compile(r"^\d(?:\.\d+)?[eE][+]?\d+$")
#: Ranges in number cells (``50-100``, ``1,000+``, ``10 to 20``): what ``load.ranges`` may do.
RANGE_POLICIES = ("reject", "midpoint", "low", "high")
MIN_DATE = pd.Timestamp("1970-01-01", tz="UTC")


@dataclass
class Parsed:
    """A parsed column and the reasons of its bad cells (index-aligned; NaN where fine)."""

    values: pd.Series
    reasons: pd.Series
    note: str | None = None  # something done to the whole column that the user should know

    @property
    def bad(self) -> pd.Series:
        return self.reasons.notna()


def _text(raw: pd.Series) -> pd.Series:
    """Raw cells as stripped strings, empty and missing cells as <NA>."""
    if not (pd.api.types.is_string_dtype(raw) or raw.dtype == object):
        text = raw.astype("string")
    else:
        text = raw.astype("string").str.strip()
    empty = (text == "").fillna(False)
    return text.mask(empty) if empty.any() else text


def _no_reasons(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="string")


def parse_id(raw: pd.Series) -> Parsed:
    """Ids stay text: ``00123`` stays ``00123``.

    A column whose numeric ids all end in ``.0`` (a spreadsheet saved them as floats) loses the
    ``.0``, and this is reported; ids in scientific notation (``1.2E+11``: digits already lost)
    are bad cells.
    """
    if pd.api.types.is_float_dtype(raw):
        whole = raw.dropna()
        if (whole == np.floor(whole)).all():
            raw = raw.astype("Int64")
    text = _text(raw)
    reasons = _no_reasons(raw.index)
    note = None
    cells = pa.array(text.array)
    if cells.null_count < len(cells):
        present = text.dropna() if pc.any(pc.match_substring(cells, ".")).as_py() else text.iloc[:0]  # both id rules need a "."
        floaty = present.str.match(_SPREADSHEET_FLOAT_ID)
        dotted = present.str.match(r"^\d+\.\d+$")
        if floaty.any() and floaty[dotted].all():
            text = text.str.replace(r"\.0+$", "", regex=True)
            note = f"{int(floaty.sum())} ids looked like spreadsheet numbers (e.g. {present[floaty].iloc[0]}); the trailing .0 was removed"
        scientific = text.str.match(_SCIENTIFIC_ID).fillna(False)
        if scientific.any():
            reasons[scientific] = "id in scientific notation (a spreadsheet rounded it); re-export the column as text"
            text = text.mask(scientific)
    return Parsed(text, reasons, note)


def parse_text(raw: pd.Series) -> Parsed:
    return Parsed(_text(raw), _no_reasons(raw.index))


#: A cell that is already a plain number: parsed directly, without the cleaning regexes (which
#: use look-ahead, so pandas runs them in Python per cell: seconds per million cells).
_PLAIN_NUMBER = r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"


def _to_number(text: pd.Series, decimal: str) -> pd.Series:
    if decimal != "," and len(text):
        plain = text.str.fullmatch(_PLAIN_NUMBER).fillna(False).astype(bool)
        if plain.any():
            out = _plain_numbers(text.where(plain))
            rest = ~plain & text.notna()
            if rest.any():
                out[rest] = _to_number_cleaned(text[rest], decimal)
            return out
    return _to_number_cleaned(text, decimal)


def _plain_numbers(text: pd.Series) -> pd.Series:
    """Cells already matching ``_PLAIN_NUMBER`` (others <NA>): Arrow's cast, a few times faster
    than pandas.to_numeric and the same correctly rounded doubles."""
    try:
        cast = pc.cast(pa.array(text, type=pa.string()), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.to_numeric(text, errors="coerce").astype("Float64")
    return pd.Series(pd.array(cast, dtype="Float64"), index=text.index)


def _to_number_cleaned(text: pd.Series, decimal: str) -> pd.Series:
    cleaned = text.str.replace(_CURRENCY, "", regex=True).str.replace(r"[\s\u00a0\u202f']+", "", regex=True)
    if decimal == ",":
        cleaned = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        cleaned = cleaned.str.replace(r",(?=\d{3}(?:\D|$))", "", regex=True)
    # Accounting negatives: (1,200.00)
    cleaned = cleaned.str.replace(r"^\((.*)\)$", r"-\1", regex=True)
    return pd.to_numeric(cleaned, errors="coerce").astype("Float64")


_COMMA_DECIMAL = re.compile(r"^[^.,]*\d,\d{1,2}$|^[^.,]*\d,\d{4,}$|\.\d{3},\d+$")
_DOT_DECIMAL = re.compile(r"^[^.,]*\d\.\d{1,2}$|^[^.,]*\d\.\d{4,}$|,\d{3}\.\d+$")


def guess_decimal(text: pd.Series) -> str:
    """``,`` when more cells are unambiguously decimal-comma (``29,85``, ``1.234,5``) than
    unambiguously decimal-point (``29.85``, ``1,234.5``); otherwise ``.``. Ambiguous cells
    (``1,000``, ``1.234``) follow the column's choice."""
    if not text.str.contains(",", regex=False).any():  # every pattern of a comma decimal needs one
        return "."
    cells = text.dropna().str.replace(_CURRENCY, "", regex=True).str.strip()
    comma = int(cells.str.contains(_COMMA_DECIMAL).sum())
    dot = int(cells.str.contains(_DOT_DECIMAL).sum())
    return "," if comma > dot else "."


def _range_bounds(text: pd.Series, decimal: str) -> tuple[pd.Series, pd.Series]:
    parts = text.str.extract(r"^\s*([^\s+–-]+?)\s*(?:-|–|to)\s*(\S+?)\s*$")
    low = _to_number(parts[0].astype("string"), decimal)
    high = _to_number(parts[1].astype("string"), decimal)
    plus = text.str.extract(r"^\s*(\S+?)\s*\+\s*$")[0].astype("string")
    plus_low = _to_number(plus, decimal)
    return low.fillna(plus_low), high


def parse_number(raw: pd.Series, *, integer: bool = False, decimal: str = ".", ranges: str = "reject") -> Parsed:
    """Numbers, also with currency symbols and thousands separators; ranges follow ``ranges``.

    ``decimal`` is ``.``, ``,`` or ``auto`` (per column: ``,`` only when it reads more cells than
    ``.``, so ``1,000`` stays a thousand). Ranges (``50-100``, ``1,000+``) are bad cells unless
    ``ranges`` is midpoint, low or high (``1,000+`` has no high: it takes its low bound).
    """
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values = raw.astype("Float64")
        reasons = _no_reasons(raw.index)
    else:
        text = _text(raw)
        present = text.notna()
        if decimal == "auto":
            decimal = guess_decimal(text)
        values = _to_number(text, decimal)
        reasons = _no_reasons(raw.index)
        failed = present & values.isna()
        is_range = pd.Series(False, index=text.index)
        if failed.any():  # the range pattern runs per cell in Python (\s): only on the failed ones
            is_range[failed] = text[failed].str.match(_RANGE).fillna(False).astype(bool)
        reasons[failed] = "not a number"
        if is_range.any():
            if ranges == "reject":
                reasons[is_range] = "a range, not a number (set load.ranges = 'midpoint' to map ranges)"
            else:
                low, high = _range_bounds(text[is_range], decimal)
                high = high.fillna(low)
                picked = {"low": low, "high": high, "midpoint": (low + high) / 2}[ranges]
                values[is_range] = picked
                reasons[is_range & values.notna()] = pd.NA
    infinite = values.isin([np.inf, -np.inf]).fillna(False).astype(bool)
    if infinite.any():  # 1e309 overflows to inf, as does the text inf: no amount is infinite
        reasons[infinite] = "not a finite number"
        values = values.mask(infinite)
    if integer:
        fractional = values.notna() & (values != values.round())
        reasons[fractional.fillna(False)] = "not a whole number"
        values = values.mask(fractional.fillna(False))
    return Parsed(values, reasons)


def _epoch(text: pd.Series) -> pd.Series:
    """Unix epoch seconds, or milliseconds when the magnitude says so (> 1e11: after 1973 in ms)."""
    number = pd.to_numeric(text, errors="coerce").astype("float64")
    ms = number.abs() > 1e11
    seconds = number.where(~ms, number / 1000.0)
    out = pd.to_datetime(seconds, unit="s", errors="coerce", utc=True)
    return out.astype("datetime64[us, UTC]")


def parse_datetime(
    raw: pd.Series,
    *,
    timezone: str = "UTC",
    date_format: str | None = None,
    latest: pd.Timestamp | None = None,
) -> Parsed:
    """Timestamps as UTC; naive ones are read in ``timezone`` (exports often are local time).

    Accepted: ISO 8601 (``2024-03-01``, ``2024-03-01 12:00``, with or without an offset), Unix
    epoch seconds or milliseconds, and ``date_format`` (strptime codes) when given. Dates before
    1970 or after ``latest`` (the end of the as-of day) are bad cells.
    """
    if pd.api.types.is_datetime64_any_dtype(raw):
        values = raw if getattr(raw.dt, "tz", None) else raw.dt.tz_localize(timezone)
        values = values.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
        return _date_bounds(Parsed(values, _no_reasons(raw.index)), latest)
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        text = raw.astype("Float64").astype("string")
    else:
        text = _text(raw)
    present = text.notna()
    values = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us, UTC]")
    todo = _plain_dates(text, present, values, timezone) if present.any() and not date_format else present
    if todo.any():
        epoch = todo & text.str.match(_EPOCH).fillna(False)
        if epoch.any():
            values[epoch] = _epoch(text[epoch])
        rest = todo & ~epoch
        if date_format:
            parsed = pd.to_datetime(text[rest], errors="coerce", format=date_format)
            if getattr(parsed.dt, "tz", None) is None:
                parsed = parsed.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
            values[rest] = parsed.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
            rest = rest & values.isna()
        has_offset = rest & text.str.contains(_OFFSET, regex=True).fillna(False)
        naive = rest & ~has_offset
        if has_offset.any():
            values[has_offset] = pd.to_datetime(
                text[has_offset], errors="coerce", utc=True, format="ISO8601"
            ).astype("datetime64[us, UTC]")
        if naive.any():
            parsed = pd.to_datetime(text[naive], errors="coerce", format="ISO8601")
            parsed = parsed.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
            values[naive] = parsed.astype("datetime64[us, UTC]")
    reasons = _no_reasons(raw.index)
    expected = f"expected {date_format}, ISO 8601 or epoch seconds" if date_format else (
        "expected ISO 8601 such as 2024-03-01 or 2024-03-01T12:00:00Z, or epoch seconds; "
        "for other layouts pass --date-format, e.g. %d/%m/%Y"
    )
    reasons[present & values.isna()] = f"not a date/time ({expected})"
    return _date_bounds(Parsed(values, reasons), latest)


#: A plain calendar date of 1900-2099 (most billing exports): read by Arrow's date cast, which
#: rejects impossible days as pandas' ISO 8601 parser does.
_PLAIN_DATE = r"^(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$"


def _plain_dates(text: pd.Series, present: pd.Series, values: pd.Series, timezone: str) -> pd.Series:
    """Fill ``values`` where ``text`` is a plain date (midnight in ``timezone``, as the naive ISO 8601
    path below reads it) and return the cells still to parse; all of them when any such date is
    impossible (2023-02-30), which the general path then reports."""
    cells = pa.array(text.array)
    plain = pc.fill_null(pc.match_substring_regex(cells, _PLAIN_DATE), False)
    if not pc.any(plain).as_py():
        return present
    try:
        days = pc.cast(pc.filter(cells, plain), pa.date32())
    except pa.ArrowInvalid:
        return present
    mask = plain.to_numpy(zero_copy_only=False)
    naive = pd.Series(days.to_numpy(zero_copy_only=False).astype("datetime64[us]"))
    local = naive.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
    values[mask] = local.astype("datetime64[us, UTC]").array
    return present & ~mask


def _date_bounds(parsed: Parsed, latest: pd.Timestamp | None) -> Parsed:
    values, reasons = parsed.values, parsed.reasons
    early = values.notna() & (values < MIN_DATE)
    if early.any():
        reasons[early.fillna(False)] = "date before 1970"
    if latest is not None:
        late = values.notna() & (values >= latest)
        if late.any():
            reasons[late.fillna(False)] = f"date after as-of ({(latest - pd.Timedelta(days=1)).date()})"
    bad = reasons.notna()
    return Parsed(values.mask(bad), reasons, parsed.note)


def parse_bool(raw: pd.Series) -> Parsed:
    if pd.api.types.is_bool_dtype(raw):
        return Parsed(raw.astype("boolean"), _no_reasons(raw.index))
    text = _text(raw).str.lower()
    values = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    values[text.isin(_TRUE).fillna(False)] = True
    values[text.isin(_FALSE).fillna(False)] = False
    reasons = _no_reasons(raw.index)
    reasons[text.notna() & values.isna()] = "not a yes/no value"
    return Parsed(values, reasons)


def parse_list(raw: pd.Series) -> Parsed:
    """Multi-value cells (``Slack; Jira``) as sorted, de-duplicated ``;``-joined text."""
    text = _text(raw)
    items = text.str.strip("[]").str.replace('"', "", regex=False).str.split(r"\s*[;,]\s*", regex=True)
    values = items.map(
        lambda xs: ";".join(sorted({x for x in xs if x})) if isinstance(xs, list) else pd.NA
    ).astype("string")
    return Parsed(values.mask(values == ""), _no_reasons(raw.index))


def parse_column(
    raw: pd.Series,
    kind: str,
    *,
    timezone: str = "UTC",
    decimal: str = ".",
    date_format: str | None = None,
    latest: pd.Timestamp | None = None,
    ranges: str = "reject",
) -> Parsed:
    """Parse one column of ``kind`` (see ``segkit.loading.schema``); never raises on bad cells."""
    if kind == "id":
        return parse_id(raw)
    if kind == "int":
        return parse_number(raw, integer=True, decimal=decimal, ranges=ranges)
    if kind == "float":
        return parse_number(raw, decimal=decimal, ranges=ranges)
    if kind == "datetime":
        return parse_datetime(raw, timezone=timezone, date_format=date_format, latest=latest)
    if kind == "bool":
        return parse_bool(raw)
    if kind == "list":
        return parse_list(raw)
    return parse_text(raw)

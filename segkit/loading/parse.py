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

_CURRENCY = re.compile(r"[$€£¥₹]|\b(?:USD|EUR|GBP|JPY|CAD|AUD|CHF|INR)\b", re.IGNORECASE)
_RANGE = re.compile(r"^\s*[\d.,]+\s*(?:-|–|to)\s*[\d.,]+\s*$|^\s*[\d.,]+\s*\+\s*$")
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_TRUE = {"true", "t", "yes", "y", "1", "won", "closed won"}
_FALSE = {"false", "f", "no", "n", "0", "lost"}


@dataclass
class Parsed:
    """A parsed column and the reasons of its bad cells (index-aligned; NaN where fine)."""

    values: pd.Series
    reasons: pd.Series

    @property
    def bad(self) -> pd.Series:
        return self.reasons.notna()


def _text(raw: pd.Series) -> pd.Series:
    """Raw cells as stripped strings, empty and missing cells as <NA>."""
    if not (pd.api.types.is_string_dtype(raw) or raw.dtype == object):
        text = raw.astype("string")
    else:
        text = raw.astype("string").str.strip()
    return text.mask(text == "")


def _no_reasons(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype="string")


def parse_id(raw: pd.Series) -> Parsed:
    """Ids stay text: ``00123`` stays ``00123``; a float column of ids loses only ``.0``."""
    if pd.api.types.is_float_dtype(raw):
        whole = raw.dropna()
        if (whole == np.floor(whole)).all():
            raw = raw.astype("Int64")
    return Parsed(_text(raw), _no_reasons(raw.index))


def parse_text(raw: pd.Series) -> Parsed:
    return Parsed(_text(raw), _no_reasons(raw.index))


def parse_number(raw: pd.Series, *, integer: bool = False, decimal: str = ".") -> Parsed:
    """Numbers, also with currency symbols and thousands separators; ranges are refused."""
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values = raw.astype("Float64")
        reasons = _no_reasons(raw.index)
    else:
        text = _text(raw)
        present = text.notna()
        cleaned = text.str.replace(_CURRENCY, "", regex=True).str.replace(r"\s+", "", regex=True)
        if decimal == ",":
            cleaned = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        else:
            cleaned = cleaned.str.replace(r",(?=\d{3}(?:\D|$))", "", regex=True)
        values = pd.to_numeric(cleaned, errors="coerce").astype("Float64")
        reasons = _no_reasons(raw.index)
        failed = present & values.isna()
        is_range = failed & text.str.match(_RANGE).fillna(False)
        reasons[failed] = "not a number"
        reasons[is_range] = "a range, not a number"
    if integer:
        fractional = values.notna() & (values != values.round())
        reasons[fractional.fillna(False)] = "not a whole number"
        values = values.mask(fractional.fillna(False))
    return Parsed(values, reasons)


def parse_datetime(raw: pd.Series, *, timezone: str = "UTC") -> Parsed:
    """Timestamps as UTC; naive ones are read in ``timezone`` (exports often are local time)."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        values = raw if getattr(raw.dt, "tz", None) else raw.dt.tz_localize(timezone)
        return Parsed(values.dt.tz_convert("UTC").astype("datetime64[us, UTC]"), _no_reasons(raw.index))
    text = _text(raw)
    present = text.notna()
    values = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us, UTC]")
    if present.any():
        has_offset = present & text.str.contains(_OFFSET, regex=True).fillna(False)
        naive = present & ~has_offset
        if has_offset.any():
            values[has_offset] = pd.to_datetime(
                text[has_offset], errors="coerce", utc=True, format="ISO8601"
            ).astype("datetime64[us, UTC]")
        if naive.any():
            parsed = pd.to_datetime(text[naive], errors="coerce", format="ISO8601")
            parsed = parsed.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
            values[naive] = parsed.astype("datetime64[us, UTC]")
    reasons = _no_reasons(raw.index)
    reasons[present & values.isna()] = "not a date/time (expected ISO 8601, e.g. 2024-03-01 or 2024-03-01T12:00:00Z)"
    return Parsed(values, reasons)


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


def parse_column(raw: pd.Series, kind: str, *, timezone: str = "UTC", decimal: str = ".") -> Parsed:
    if kind == "id":
        return parse_id(raw)
    if kind == "int":
        return parse_number(raw, integer=True, decimal=decimal)
    if kind == "float":
        return parse_number(raw, decimal=decimal)
    if kind == "datetime":
        return parse_datetime(raw, timezone=timezone)
    if kind == "bool":
        return parse_bool(raw)
    if kind == "list":
        return parse_list(raw)
    return parse_text(raw)

"""What some vendors' exports need before their rows are parsed: extra header rows, status words.

Qualtrics writes three header rows (export tags, question text, ImportId JSON) and SurveyMonkey
two (question text, answer labels); a preset says how many (``PresetOptions.header_rows``) and
the leading rows that are not data are skipped and counted, never silently dropped. Billing
systems spell subscription statuses their own way (Chargebee ``in_trial``, ``non_renewing``,
``cancelled``; Recurly ``expired``); ``PresetOptions.status_map`` turns them into the statuses the
billing features read (``trialing``, ``active``, ``canceled``, ...; docs/inputs.md). Rows an
export marks as not real data (Qualtrics survey previews and tests) are rejected with a reason.
"""

from __future__ import annotations

import json

import pandas as pd

from segkit.loading.model import InputStats, LoadOptions
from segkit.loading.parse import parse_datetime
from segkit.loading.presets.base import Preset

#: Amount columns that a preset's ``amount_unit = "minor"`` divides by the currency's minor units.
AMOUNT_COLUMNS = {"subscriptions": ("amount", "mrr"), "invoices": ("amount_paid",)}


def skip_header_rows(
    raw: pd.DataFrame, lines: pd.Series, preset: Preset, mapping: dict[str, str], stats: InputStats, file: str
) -> tuple[pd.DataFrame, pd.Series]:
    """``raw`` and ``lines`` without the preset's extra header rows, which are counted in ``stats``.

    Up to ``header_rows`` leading rows are skipped while their ``header_rows_column`` cell is
    empty or not a date (a question text, ``{"ImportId":"recordedDate"}``); the first row that
    holds a date is data, so a file saved with a single header row loses nothing.
    """
    wanted = preset.options.header_rows
    source = mapping.get(preset.options.header_rows_column)
    if wanted <= 0 or source is None or source not in raw.columns or raw.empty:
        return raw, lines
    head = raw[source].iloc[:wanted]
    dated = parse_datetime(head.astype("string"), date_format=preset.options.date_format).values.notna().to_numpy()
    skip = int(dated.argmax()) if dated.any() else len(head)
    if skip == 0:
        return raw, lines
    stats.header_rows += skip
    stats.file_header_rows[file] = stats.file_header_rows.get(file, 0) + skip
    where = "line 2" if skip == 1 else f"lines 2-{skip + 1}"
    stats.notes.append(f"{file}: {where}: {skip} more header row{'s' if skip > 1 else ''} after the column names "
                       f"({preset.name} writes them), skipped: not data rows")
    zone = _import_id_time_zone(head.iloc[:skip])
    if zone and zone not in UTC_NAMES:
        stats.notes.append(f"{file}: {source}: the export says its times are in {zone} (ImportId row); "
                           f"they are read in --timezone (UTC unless given): pass --timezone {zone}")
    return raw.iloc[skip:].reset_index(drop=True), lines.iloc[skip:].reset_index(drop=True)


UTC_NAMES = frozenset({"UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z"})


def _import_id_time_zone(cells: pd.Series) -> str | None:
    """The ``timeZone`` a Qualtrics ImportId cell (``{"ImportId":"recordedDate","timeZone":"America/Denver"}``) names."""
    for cell in cells.dropna().astype(str):
        try:
            value = json.loads(cell)
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get("timeZone"), str):
            return value["timeZone"]
    return None


def status_key(values: pd.Series) -> pd.Series:
    """Status words as the maps match them: trimmed, lower case, spaces and hyphens as underscores."""
    return values.astype("string").str.strip().str.lower().str.replace(r"[\s-]+", "_", regex=True)


def map_statuses(out: pd.DataFrame, preset: Preset, stats: InputStats, file: str) -> None:
    """Replace the vendor's status words with segkit's (in place), noting how many rows changed."""
    table = dict(preset.options.status_map)
    if not table or "status" not in out:
        return
    key = status_key(out["status"])
    mapped = key.map(lambda v: table.get(v, v) if isinstance(v, str) else v).astype("string")
    changed = key.isin(list(table)).fillna(False)
    out["status"] = mapped
    if changed.any():
        counts = key[changed].value_counts().sort_index()
        shown = ", ".join(f"{word} -> {table[word]} ({int(n)})" for word, n in counts.items())
        stats.notes.append(f"{file}: status read as segkit's: {shown}")


def excluded_rows(raw: pd.DataFrame, preset: Preset, row_bad: pd.Series) -> pd.Series:
    """``row_bad`` with the preset's ``excluded_rows`` marked (``Status: a Qualtrics survey preview ...``)."""
    for column, values, why in preset.options.excluded_rows:
        if column not in raw.columns:
            continue
        hit = raw[column].astype("string").str.strip().str.lower().isin(values).fillna(False).to_numpy()
        row_bad = row_bad.mask(hit & row_bad.isna().to_numpy(), f"{column}: {why}")
    return row_bad


def apply_preset_options(
    table: str, preset: Preset, out: pd.DataFrame, options: LoadOptions, stats: InputStats, file: str
) -> None:
    """Units and multi-valued cells, per the preset's options (overridden by the command line)."""
    unit = options.amount_unit or preset.options.amount_unit or "major"
    if unit == "minor":
        divisor = minor_unit_divisor(out["currency"]) if "currency" in out else 100.0
        for column in AMOUNT_COLUMNS.get(table, ()):
            if column in out:
                out[column] = out[column] / divisor
        if any(c in out for c in AMOUNT_COLUMNS.get(table, ())):
            stats.notes.append(f"{file}: amounts read in minor units and divided by 10^(ISO 4217 minor units of the "
                               "row's currency: 100 for USD/EUR, 1 for JPY/KRW, 1000 for KWD; 100 without a currency)")
    map_statuses(out, preset, stats, file)
    separator = preset.options.multi_account_separator
    if separator and "account_id" in out:
        several = out["account_id"].str.contains(separator, regex=False).fillna(False)
        if several.any():
            out["account_id"] = out["account_id"].str.split(separator).str[0].str.strip().astype("string")
            stats.notes.append(f"{file}: {int(several.sum())} rows list several accounts; the first one is used")


def minor_unit_divisor(currency: pd.Series) -> pd.Series:
    """10 ** the ISO 4217 minor units of each row's currency (babel's CLDR data; codes in any case:
    Stripe writes ``jpy``), so a zero-decimal currency is not divided by 100; 100 without a code."""
    from babel.numbers import get_currency_precision

    codes = currency.astype("string").str.strip().str.upper()
    digits = {code: get_currency_precision(code) for code in codes.dropna().unique()}
    return codes.map(digits).astype("float64").fillna(2.0).rpow(10.0).set_axis(currency.index)

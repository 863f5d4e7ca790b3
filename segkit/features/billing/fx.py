"""Money in one reporting currency (SPEC 4, "Money"): the ``fx_rates`` table and conversion at each reading's date.

A rate is units of the reporting currency (``metrics.reporting_currency``, ``--reporting-currency``)
for one unit of ``currency``; the latest rate dated on or before a reading applies (pandas
``merge_asof`` by currency). Amounts already in the reporting currency use rate 1 without a row.
Currency codes compare case-insensitively (Stripe writes ``usd``).

What a reading is, per source:

* **subscriptions**: MRR is read at instants: the period's month boundaries (movements, the start
  and end facts), every calendar month start (cohort month and quarter ends) and an account's
  first payment (cohorts' starting MRR). A reading just before instant t (the state at the end
  of the day before) uses the latest rate dated before t. Each paying row is split so that every
  piece has one rate: at most once per reading instant, at the rate the reading there sees
  (``reading_rates``; daily rates would otherwise split a row a thousand times), with a first
  piece one microsecond long at the row's own start carrying that day's rate for the
  first-payment reading. The pieces touch, so paying spells, churn and renewals are unchanged;
  ``fx_piece`` numbers them (0 = the row itself, which the subscription count uses). A new kind
  of reading at other instants would see the rate of the next reading instant.
* **invoices** (payments): each amount at its ``paid_at`` (else ``issued_at``).
* **deals**: each amount at its ``closed_at`` (else ``created_at``).

Rate changes therefore show as expansion or contraction of a foreign-currency account's MRR, as
any change of its converted reading does (ChartMogul instead holds one rate per run; a rates file
with one row per currency does that).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from segkit.errors import InputDataError, UsageError
from segkit.features.billing.movements import month_boundaries
from segkit.features.period import Period
from segkit.loading.model import Inputs

#: Tables whose amounts carry a currency, and the column with the amount.
MONEY_TABLES = {"subscriptions": ("amount", "mrr", "arr"), "invoices": ("amount_paid",), "deals": ("amount",)}
FIX = "give --reporting-currency CODE and --fx-rates FILE (columns date, currency, rate) to convert them"
NO_CONVERSION = "single currency, no conversion"


def normal_codes(values: pd.Series) -> pd.Series:
    """Currency codes in upper case, blank as <NA>."""
    codes = values.astype("string").str.strip().str.upper()
    return codes.mask(codes == "")


def check_currency_code(code: str) -> str:
    """A reporting currency as an ISO 4217 code (babel's list), upper case; anything else is exit 2."""
    from babel.numbers import list_currencies

    text = str(code).strip().upper()
    if text not in list_currencies():
        raise UsageError(f"reporting currency {code!r} is not an ISO 4217 code (USD, EUR, JPY, ...)")
    return text


@dataclass(frozen=True)
class Money:
    """How the run's amounts become one currency; ``reporting_currency`` None: nothing is converted."""

    reporting_currency: str | None
    currencies: tuple[str, ...] = ()  # codes found in billing and deals
    rates: pd.DataFrame | None = field(default=None, compare=False)  # date, currency, rate (no reporting rows)
    files: tuple[str, ...] = ()
    sha256: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def converts(self) -> bool:
        return self.reporting_currency is not None and any(c != self.reporting_currency for c in self.currencies)

    def as_report(self) -> dict[str, Any] | None:
        """report.json's ``money``: the reporting currency and where the rates came from (None: key absent)."""
        if self.reporting_currency is None:
            return None
        source: Any = NO_CONVERSION
        if self.converts:
            source = {"table": "fx_rates", "files": list(self.files), "sha256": list(self.sha256),
                      "rule": "the latest rate dated on or before each reading; rate 1 for the reporting currency"}
        return {"reporting_currency": self.reporting_currency, "currencies": list(self.currencies), "rate_source": source}


def _codes_of(inputs: Inputs) -> tuple[set[str], int]:
    """Every currency code in the money tables, and the rows with an amount but no code."""
    found: set[str] = set()
    blank = 0
    for table in MONEY_TABLES:
        frame = inputs.frame(table)
        if frame is None or "currency" not in frame:
            continue
        codes = normal_codes(frame["currency"])
        found.update(codes.dropna().unique().tolist())
        blank += int(codes.isna().sum())
    return found, blank


def money_of(inputs: Inputs, reporting_currency: str | None) -> Money:
    """The run's ``Money``, checked before any figure: mixed currencies without rates are exit 3."""
    codes, blank = _codes_of(inputs)
    found = tuple(sorted(codes))
    table = inputs.tables.get("fx_rates")
    if reporting_currency is None:
        if table is not None:
            raise UsageError("an fx_rates table is given but no reporting currency: pass --reporting-currency CODE "
                             "or set metrics.reporting_currency (the currency the rates convert into)")
        if len(found) > 1:
            raise InputDataError(f"amounts are in {len(found)} currencies ({', '.join(found)}) and segkit never sums "
                                 f"currencies unconverted: {FIX}, or run each currency's exports separately")
        return Money(None, found)
    reporting = check_currency_code(reporting_currency)
    notes: tuple[str, ...] = ()
    if blank and found:
        notes = (f"{blank} billing or deal rows have no currency; read as the reporting currency {reporting}",)
    foreign = [c for c in found if c != reporting]
    if not foreign:
        return Money(reporting, found, notes=notes)
    if table is None:
        raise InputDataError(f"amounts are in {', '.join(foreign)} besides the reporting currency {reporting} and no "
                             f"fx_rates table is given: pass --fx-rates FILE (date, currency, rate = {reporting} per unit)")
    rates = clean_rates(table.frame, reporting, ", ".join(table.stats.files))
    absent = [c for c in foreign if c not in set(rates["currency"])]
    if absent:
        raise InputDataError(f"fx_rates ({', '.join(table.stats.files)}) has no rate for {', '.join(absent)}: add rows "
                             f"date,{absent[0]},rate ({reporting} per {absent[0]}) dated on or before the first amount")
    return Money(reporting, found, rates, tuple(table.stats.files), tuple(table.stats.hashes()), notes)


def clean_rates(frame: pd.DataFrame, reporting: str, files: str) -> pd.DataFrame:
    """Rates sorted by date, codes upper case, the reporting currency's rows dropped (it is 1);
    one date with two different rates for a currency is exit 3."""
    rates = pd.DataFrame({"date": pd.to_datetime(frame["date"], utc=True).astype("datetime64[us, UTC]"),
                          "currency": normal_codes(frame["currency"]), "rate": frame["rate"].astype("float64")}).dropna()
    rates = rates[rates["currency"] != reporting].drop_duplicates()
    clash = rates[rates.duplicated(["date", "currency"], keep=False)]
    if not clash.empty:
        first = clash.sort_values(["currency", "date", "rate"], kind="stable").iloc[0]
        values = sorted(clash[(clash["date"] == first["date"]) & (clash["currency"] == first["currency"])]["rate"])
        raise InputDataError(f"fx_rates has {len(values)} different {first['currency']} rates on {first['date'].date()} "
                             f"({', '.join(f'{v:g}' for v in values)}): keep one", file=files)
    return rates.sort_values(["date", "currency"], kind="stable").reset_index(drop=True)


def rates_at(codes: pd.Series, instants: pd.Series, money: Money, what: str, rates: pd.DataFrame | None = None) -> np.ndarray:
    """The rate of each (currency, instant): the latest dated on or before it; 1 in the reporting currency.

    ``rates`` replaces ``money.rates`` (the rates as the run's readings see them, ``reading_rates``).
    A foreign amount with no rate on or before its date is exit 3 naming the currency and the date."""
    rates = money.rates if rates is None else rates
    codes = normal_codes(codes).fillna(money.reporting_currency or "").reset_index(drop=True)
    instants = pd.to_datetime(instants, utc=True).astype("datetime64[us, UTC]").reset_index(drop=True)
    out = np.ones(len(codes))
    foreign = (codes != money.reporting_currency).to_numpy()
    if not foreign.any() or rates is None:
        return out
    left = pd.DataFrame({"at": instants[foreign], "currency": codes[foreign].astype(object), "_pos": np.flatnonzero(foreign)})
    undated = left[left["at"].isna()].assign(rate=np.nan)
    left = left[left["at"].notna()].sort_values("at", kind="stable")
    right = rates.assign(currency=rates["currency"].astype(object)).rename(columns={"date": "at"})
    merged = pd.merge_asof(left, right, on="at", by="currency", direction="backward", allow_exact_matches=True)
    merged = pd.concat([merged, undated], ignore_index=True) if len(undated) else merged
    missing = merged["rate"].isna()
    if missing.any():
        first = merged[missing].sort_values(["at", "currency"], kind="stable").iloc[0]
        when = "no date" if pd.isna(first["at"]) else f"{first['at'].date()}"
        raise InputDataError(f"no {first['currency']} rate on or before {when} ({what}, {int(missing.sum())} readings "
                             f"without a rate): add a {first['currency']} row dated {when} or earlier to fx_rates (--fx-rates)")
    out[merged["_pos"].to_numpy()] = merged["rate"].to_numpy(dtype=np.float64)
    return out


def _rate_changes(rates: pd.DataFrame, currency: str) -> np.ndarray:
    """The instants (microseconds, sorted) at which ``currency``'s rate changes (equal neighbours are one)."""
    rates = rates[rates["currency"] == currency].sort_values("date", kind="stable")
    changed = (rates["rate"] != rates["rate"].shift()).to_numpy()
    return rates["date"].to_numpy(dtype="datetime64[us]")[changed].astype(np.int64)


def _cut_starts(other: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """(_row, start) of every piece of the foreign rows: the row's start, then each rate change inside it.

    Found by binary search per currency, so the work is the number of pieces, not rows x rates."""
    parts = [other[["_row", "pay_start"]].rename(columns={"pay_start": "start"})]
    for currency, group in other.groupby("currency", sort=True):
        changes = _rate_changes(rates, str(currency))
        start = group["pay_start"].to_numpy(dtype="datetime64[us]").astype(np.int64)
        end = group["pay_end"].to_numpy(dtype="datetime64[us]")
        first = np.searchsorted(changes, start, side="right")  # changes strictly after the start
        last = np.where(np.isnat(end), len(changes), np.searchsorted(changes, end.astype(np.int64), side="left"))
        counts = np.maximum(last - first, 0)
        if not counts.sum():
            continue
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        instants = changes[np.repeat(first, counts) + offsets].astype("datetime64[us]")
        parts.append(pd.DataFrame({"_row": np.repeat(group["_row"].to_numpy(), counts),
                                   "start": pd.to_datetime(instants).tz_localize("UTC").astype("datetime64[us, UTC]")}))
    return pd.concat(parts, ignore_index=True).sort_values(["_row", "start"], kind="stable").reset_index(drop=True)


def reading_instants(period: Period, earliest: pd.Timestamp) -> list[pd.Timestamp]:
    """Where the run reads MRR: the period's month boundaries (movements, start and end) and every
    calendar month start from ``earliest`` to the period end (cohort month and quarter ends)."""
    first = earliest.tz_convert("UTC").tz_localize(None).to_period("M").to_timestamp().tz_localize("UTC")
    months = pd.date_range(first, period.end, freq="MS")
    return sorted({*month_boundaries(period), *months})


def reading_rates(rates: pd.DataFrame, instants: list[pd.Timestamp]) -> pd.DataFrame:
    """The rates as readings at ``instants`` see them, at most one change between two instants.

    A reading at instant r_i uses the latest rate dated before it (the state at the end of the day
    before); that rate is restated as dated r_(i-1) (the first: at the currency's first date), so
    a row is split once per instant, not once per daily rate, and every reading is exact."""
    out = []
    points = pd.Series(pd.DatetimeIndex(instants).astype("datetime64[us, UTC]"))
    for currency, group in rates.groupby("currency", sort=True):
        seen = pd.merge_asof(pd.DataFrame({"at": points - pd.Timedelta(microseconds=1)}),
                             group.rename(columns={"date": "at"}).sort_values("at"), on="at", direction="backward")
        dated = points.shift().fillna(group["date"].min())
        out.append(pd.DataFrame({"date": dated, "currency": currency, "rate": seen["rate"]}).dropna(subset=["rate"]))
    frame = pd.concat(out, ignore_index=True) if out else rates.iloc[:0]
    return frame.sort_values(["date", "currency"], kind="stable").reset_index(drop=True)


def convert_paying(paying: pd.DataFrame, money: Money, period: Period | None = None) -> pd.DataFrame:
    """Paying rows in the reporting currency, each split where its converted MRR changes (module doc).

    With ``period`` the rows are split at most once per reading instant (``reading_rates``), with
    a first piece one microsecond long at the row's own start, read at the first payment (cohorts'
    starting MRR) with that day's rate; without, at every rate change."""
    if not money.converts or "currency" not in paying or paying.empty:
        return paying
    rows = paying.reset_index(drop=True).assign(_row=np.arange(len(paying)), fx_piece=0)
    codes = normal_codes(rows["currency"]).fillna(money.reporting_currency)
    foreign = (codes != money.reporting_currency).to_numpy()
    rows["currency"] = codes.to_numpy()
    own, other = rows[~foreign], rows[foreign]
    rates = money.rates if money.rates is not None else pd.DataFrame(columns=["date", "currency", "rate"])
    if period is not None and not other.empty:
        rates = reading_rates(rates, reading_instants(period, other["pay_start"].min()))
    starts = _cut_starts(other, rates)
    if period is not None:  # the first-payment reading: a microsecond-long first piece at the real rate
        tick = other[["_row", "pay_start"]].rename(columns={"pay_start": "start"})
        tick["start"] = tick["start"] + pd.Timedelta(microseconds=1)
        tick = tick[(tick["start"] < other["pay_end"].to_numpy()) | other["pay_end"].isna().to_numpy()]
        starts = pd.concat([starts, tick], ignore_index=True).drop_duplicates().sort_values(["_row", "start"], kind="stable")
    pieces = other.drop(columns=["pay_start", "fx_piece"]).merge(starts, on="_row", how="right")
    pieces["fx_piece"] = pieces.groupby("_row", sort=False).cumcount()
    next_start = pieces.groupby("_row", sort=False)["start"].shift(-1)
    pieces["pay_end"] = next_start.fillna(pieces["pay_end"]).astype("datetime64[us, UTC]")
    pieces = pieces.rename(columns={"start": "pay_start"})[rows.columns]
    first = (pieces["fx_piece"] == 0).to_numpy()
    what = "a subscription's MRR from that date"
    factor = np.ones(len(pieces))
    factor[first] = rates_at(pieces["currency"][first], pieces["pay_start"][first], money, what)  # the row's start: real rates
    factor[~first] = rates_at(pieces["currency"][~first], pieces["pay_start"][~first], money, what, rates)
    pieces["mrr"] = pieces["mrr"].to_numpy(dtype=np.float64) * factor
    out = pd.concat([own, pieces], ignore_index=True).sort_values(["_row", "fx_piece"], kind="stable")
    out["currency"] = money.reporting_currency
    return out.drop(columns="_row").reset_index(drop=True)


def _convert_column(frame: pd.DataFrame, columns: tuple[str, ...], dates: pd.Series, money: Money, what: str) -> pd.DataFrame:
    """``frame`` with its amount ``columns`` in the reporting currency at ``dates``; currency set to it."""
    if "currency" not in frame or not any(c in frame for c in columns):
        return frame
    factor = rates_at(frame["currency"], dates, money, what)
    out = frame.copy()
    for column in columns:
        if column in out:
            out[column] = out[column].astype("float64") * factor
    out["currency"] = pd.array([money.reporting_currency] * len(out), dtype="string")
    return out


def convert_tables(inputs: Inputs, money: Money) -> None:
    """Invoices at their payment date and deals at their close date, in place and once (the currency
    becomes the reporting one, so a second call changes nothing). Subscriptions: ``convert_paying``."""
    if not money.converts:
        return
    invoices = inputs.tables.get("invoices")
    if invoices is not None:
        frame = invoices.frame
        paid = frame["paid_at"] if "paid_at" in frame else pd.Series(pd.NaT, index=frame.index)
        dates = paid.fillna(frame["issued_at"]) if "issued_at" in frame else paid
        invoices.frame = _convert_column(frame, ("amount_paid",), dates, money, "an invoice paid then")
    deals = inputs.tables.get("deals")
    if deals is not None:
        frame = deals.frame
        closed = frame["closed_at"] if "closed_at" in frame else pd.Series(pd.NaT, index=frame.index)
        deals.frame = _convert_column(frame, ("amount",), closed.fillna(frame["created_at"]), money, "a deal closed then")

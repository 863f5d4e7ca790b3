"""``fit_clv`` (``segkit clv``): BG/NBD + Gamma-Gamma on a transaction file, with projections."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segkit.errors import InputDataError, UsageError
from segkit.loading.delimited import RowAccount, read_delimited, resolve_column
from segkit import models  # the fits import scipy: loaded when a model is fitted (segkit.models)
from segkit.models.transactions import DAYS_PER_UNIT

if TYPE_CHECKING:
    from segkit.models.bgnbd import BGNBDResult
    from segkit.models.gammagamma import GammaGammaResult

DEFAULT_MAX_REJECTED = 0.05

CLV_DEFINITIONS = {
    "x": "repeat purchases: distinct purchase days in the calibration period - 1 (same-day purchases merge)",
    "t_x": "time from the first to the last purchase day, in time_unit",
    "T": "time from the first purchase day to calibration_end, in time_unit",
    "zbar": "mean value of the repeat purchase days (0 when x = 0)",
    "bgnbd": "BG/NBD (Fader, Hardie & Lee 2005): purchase rate ~ Gamma(r, alpha), dropout after each purchase ~ Beta(a, b); maximum likelihood",
    "gamma_gamma": "Gamma-Gamma spend (Fader & Hardie note 025): spend per purchase ~ Gamma(p, nu), nu ~ Gamma(q, gamma); fitted on customers with x > 0",
    "p_alive": "P(alive | x, t_x, T) (FHL eq. 11; 1 when x = 0)",
    "expected_transactions": "E[Y(horizon) | x, t_x, T]: expected purchases in the next `horizon` time units (FHL eq. 10)",
    "expected_value": "E(M | x, zbar) = p (gamma + x zbar) / (p x + q - 1): expected spend per purchase",
    "clv": "sum over months k = 1..clv_months of E(M) x [E(Y(k L)) - E(Y((k-1) L))] / (1 + d_m)^k, L = one month (365.25/12 days) in time_unit, d_m = (1 + discount_rate)^(1/12) - 1 (discount_rate is annual)",
}


@dataclass(frozen=True)
class ClvFileOptions:
    """How ``fit_clv`` reads the transaction file and projects from it."""

    calibration_end: str | None = None
    customer_col: str = "customer_id"
    date_col: str = "date"
    amount_col: str = "amount"
    date_format: str | None = None
    delimiter: str | None = None
    header: bool = True
    time_unit: str = "weeks"
    horizon: float = 52.0
    clv_months: int = 12
    discount_rate: float = 0.10
    max_rejected: float = DEFAULT_MAX_REJECTED
    predictions: str | Path | None = None

    def checked(self) -> ClvFileOptions:
        if self.time_unit not in DAYS_PER_UNIT:
            raise UsageError(f"--time-unit takes one of {', '.join(DAYS_PER_UNIT)}; got {self.time_unit!r}")
        if not np.isfinite(self.horizon) or self.horizon <= 0:
            raise UsageError(f"--horizon must be positive; got {self.horizon:g}")
        if self.clv_months < 1:
            raise UsageError(f"--clv-months must be at least 1; got {self.clv_months}")
        if not 0 <= self.discount_rate < 10:
            raise UsageError(f"--discount-rate must be in [0, 10); got {self.discount_rate:g}")
        return self


def _parse_dates(text: pd.Series, date_format: str | None) -> pd.Series:
    if date_format:
        return pd.to_datetime(text, format=date_format, errors="coerce")
    return pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True).dt.tz_localize(None)


def _read_transactions(path: Path, o: ClvFileOptions) -> tuple[pd.DataFrame, dict[str, str], RowAccount]:
    """The used rows as (customer, date, amount), the columns picked, and the row accounting."""
    raw = read_delimited(path, delimiter=o.delimiter, header=o.header)
    cols = {
        "customer": resolve_column(raw, o.customer_col, "--customer-col", path),
        "date": resolve_column(raw, o.date_col, "--date-col", path),
        "amount": resolve_column(raw, o.amount_col, "--amount-col", path),
    }
    accounting = RowAccount(len(raw), 2 if o.header else 1)
    customer = raw[cols["customer"]].str.strip()
    accounting.reject(customer.isna() | (customer == ""), f"missing customer id ({cols['customer']})")
    dates = _parse_dates(raw[cols["date"]].str.strip(), o.date_format)
    accounting.reject(dates.isna(), f"date missing or not {'in ' + o.date_format if o.date_format else 'ISO 8601 (pass --date-format)'} ({cols['date']})")
    amounts = pd.to_numeric(raw[cols["amount"]].str.strip().str.replace(",", "", regex=False), errors="coerce")
    accounting.reject(amounts.isna() | ~np.isfinite(amounts.astype("float64").fillna(0.0)), f"amount missing or not a number ({cols['amount']})")
    accounting.reject(amounts < 0, f"negative amount (net returns out first) ({cols['amount']})")
    accounting.check(path, o.max_rejected)
    used = accounting.used.to_numpy()
    transactions = pd.DataFrame({
        "customer": customer[used].astype(str).to_numpy(),
        "date": dates[used].to_numpy(),
        "amount": amounts[used].astype("float64").to_numpy(),
    })
    return transactions, cols, accounting


def _fit_info(fit: BGNBDResult | GammaGammaResult, names: tuple[str, ...]) -> dict[str, Any]:
    params = fit.params
    return {
        "params": {name: float(getattr(params, name)) for name in names},
        "standard_errors": {k: float(v) for k, v in fit.standard_errors.items()},
        "loglik": float(fit.loglik),
        "n": float(fit.n),
        "converged": bool(fit.converged),
        "message": fit.message,
        "iterations": int(fit.iterations),
    }


def _gamma_gamma(x: np.ndarray, zbar: np.ndarray, result: dict[str, Any]) -> GammaGammaResult | None:
    if not (x > 0).any():
        result["warnings"].append("Gamma-Gamma not fitted: no customer has a repeat purchase")
        return None
    try:
        gg = models.fit_gamma_gamma(x, zbar)
    except ValueError as exc:
        result["warnings"].append(f"Gamma-Gamma not fitted: {exc}")
        return None
    result["gamma_gamma"] = _fit_info(gg, ("p", "q", "gamma"))
    return gg


def _projections(bg: BGNBDResult, gg: GammaGammaResult | None, summary: pd.DataFrame, o: ClvFileOptions,
                 result: dict[str, Any]) -> pd.DataFrame:
    """Fill ``result["projections"]``; return the per-customer predictions."""
    from segkit.models import conditional_expected_transactions, probability_alive

    x, t_x, T, zbar = (summary[c].to_numpy(dtype=np.float64) for c in ("x", "t_x", "T", "zbar"))
    p_alive = probability_alive(bg, x, t_x, T)
    expected = conditional_expected_transactions(bg, o.horizon, x, t_x, T)
    projections: dict[str, Any] = {
        "horizon": o.horizon,
        "horizon_unit": o.time_unit,
        "expected_transactions_total": float(expected.sum()),
        "expected_transactions_mean": float(expected.mean()),
        "p_alive_mean": float(p_alive.mean()),
        "p_alive_median": float(np.median(p_alive)),
        "customers_p_alive_below_0_5": int((p_alive < 0.5).sum()),
        "clv_months": o.clv_months,
        "discount_rate": o.discount_rate,
        "expected_value_mean": None,
        "clv_total": None,
        "clv_mean": None,
    }
    per_customer = pd.DataFrame({"x": x, "t_x": t_x, "T": T, "zbar": zbar, "p_alive": p_alive,
                                 "expected_transactions": expected}, index=summary.index)
    if gg is not None and gg.converged and gg.params.q > 1:
        step = DAYS_PER_UNIT["months"] / DAYS_PER_UNIT[o.time_unit]
        monthly = (1.0 + o.discount_rate) ** (1.0 / 12.0) - 1.0
        predicted = models.predict_customers(bg, gg, summary, step_length=step, n_steps=o.clv_months, discount_rate=monthly)
        per_customer["expected_value"] = predicted["expected_value"]
        per_customer["clv"] = predicted["clv"]
        projections.update(
            expected_value_mean=float(predicted["expected_value"].mean()),
            clv_total=float(predicted["clv"].sum()),
            clv_mean=float(predicted["clv"].mean()),
        )
    elif gg is not None:
        reason = gg.message if not gg.converged else f"q = {gg.params.q:.4g} <= 1 (infinite mean spend)"
        result["warnings"].append(f"Gamma-Gamma fit unusable ({reason}); no CLV")
    result["projections"] = projections
    return per_customer


def fit_clv(path: str | Path, *, model: str = "bgnbd", **options: Any) -> dict[str, Any]:
    """Fit BG/NBD + Gamma-Gamma to a transaction file; parameters, fit statistics, projections.

    ``options`` are ``ClvFileOptions`` fields (``calibration_end``, ``customer_col``, ...).
    """
    if model != "bgnbd":
        raise UsageError(f"--model takes bgnbd for transactions; got {model!r} (use `segkit retention --model sbg` for renewals)")
    o = ClvFileOptions(**options).checked()
    path = Path(path)
    transactions, cols, accounting = _read_transactions(path, o)
    end = transactions["date"].max().normalize() if o.calibration_end is None else pd.Timestamp(o.calibration_end)
    after = int((transactions["date"].dt.normalize() > end.normalize()).sum())
    try:
        summary = models.summarise_transactions(transactions, end, customer_col="customer", date_col="date",
                                         amount_col="amount", time_unit=o.time_unit)  # type: ignore[arg-type]
    except ValueError as exc:
        raise InputDataError(str(exc), file=str(path)) from None
    x, t_x, T, zbar = (summary[c].to_numpy(dtype=np.float64) for c in ("x", "t_x", "T", "zbar"))
    bg = models.fit_bgnbd(x, t_x, T)
    result: dict[str, Any] = {
        "model": "bgnbd",
        "input": {
            "file": str(path), **accounting.report(), "columns": cols, "calibration_end": end.date().isoformat(),
            "transactions_after_calibration_end": after, "customers": int(len(summary)),
            "repeat_customers": int((x > 0).sum()), "time_unit": o.time_unit,
        },
        "bgnbd": _fit_info(bg, ("r", "alpha", "a", "b")),
        "gamma_gamma": None,
        "projections": None,
        "warnings": [],
        "definitions": CLV_DEFINITIONS,
    }
    gg = _gamma_gamma(x, zbar, result)
    if not bg.converged:
        result["warnings"].append(f"BG/NBD fit did not converge ({bg.message}); no projections")
        return result
    per_customer = _projections(bg, gg, summary, o, result)
    if o.predictions is not None:
        _write_predictions(per_customer, Path(o.predictions))
        result["predictions_file"] = str(o.predictions)
    return result


def _write_predictions(frame: pd.DataFrame, path: Path) -> None:
    from segkit.writers.csv import frame_to_csv

    try:
        path.write_text(frame_to_csv(frame.rename_axis("customer_id").reset_index().round(6)), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the predictions ({exc.strerror or exc})") from None

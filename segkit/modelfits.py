"""Stand-alone model fits on a file: ``segkit clv`` (BG/NBD + Gamma-Gamma) and ``segkit retention`` (sBG).

Both read one delimited file, account for every row (used, or rejected with a reason), fit the
models of ``segkit.models`` and return a plain dict (parameters named as in the papers, fit
statistics, projections, definitions) that the CLI prints as a table or JSON.

Reading rules (docs/cli.md):

* ``delimiter``: ``,`` ``;`` ``|`` ``tab`` or ``whitespace`` (runs of spaces/tabs, as in the raw
  CDNOW files); by default it is sniffed from the first line (whitespace when none of the others
  occurs).
* ``header=False`` for files without a header line; columns are then named ``1``, ``2``, ...
  (1-based), so ``customer_col="2"`` picks the second field. With a header a column may still be
  given by its 1-based number when no column has that name.
* Cells are read as text (ids keep their leading zeros) and parsed in one vectorised pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from segkit.errors import InputDataError, UsageError
from segkit.loading.readers import DELIMITERS, sniff_delimiter
from segkit.models import (
    DAYS_PER_UNIT,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_sbg_customers,
    fit_sbg_survival,
    predict_customers,
    sbg_customers_from_recency,
    summarise_transactions,
)
from segkit.models.sbg import SBGResult

DELIMITER_NAMES = {",": ",", "comma": ",", ";": ";", "semicolon": ";", "|": "|", "pipe": "|",
                   "tab": "\t", "\\t": "\t", "\t": "\t", "whitespace": "whitespace", "space": "whitespace"}
DEFAULT_MAX_REJECTED = 0.05
#: Periods the capped mean lifetime sums over (E[T] is infinite when alpha <= 1).
LIFETIME_CAP_PERIODS = 100

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

RETENTION_DEFINITIONS = {
    "sbg": "shifted-beta-geometric (Fader & Hardie 2007): each customer churns at the end of a period with probability theta, theta ~ Beta(alpha, beta); maximum likelihood",
    "survival": "S(t) = B(alpha, beta + t) / B(alpha, beta): share of the cohort still active at the start of period t",
    "retention_rate": "r_t = (beta + t - 1) / (alpha + beta + t - 1): share of those active at the start of period t-1 who renew into period t",
    "expected_lifetime": "E[T] = (alpha + beta - 1) / (alpha - 1) periods for a new customer (infinite when alpha <= 1; then expected_lifetime_capped = sum of S(t) for t < lifetime_cap_periods is the mean capped there)",
    "derl": "discounted expected residual lifetime of a customer who has made n-1 renewals: (beta + n - 1) / (alpha + beta + n - 1) x 2F1(1, beta + n; alpha + beta + n; 1/(1 + d)), in periods; the coming renewal's payment counts undiscounted; d is the discount rate per period",
    "geometric fallback": "when the sBG has no interior maximum (no heterogeneity) the constant-churn model p = churn events / periods at risk is used: S(t) = (1-p)^t, DERL = (1-p)(1+d)/(d+p)",
}


# --------------------------------------------------------------------------- reading


def _delimiter(path: Path, requested: str | None) -> str:
    if requested is not None:
        key = requested if requested in DELIMITER_NAMES else requested.lower()
        if key not in DELIMITER_NAMES:
            raise UsageError(
                f"--delimiter takes one of , ; | tab whitespace; got {requested!r}"
            )
        return DELIMITER_NAMES[key]
    first = _first_line(path)
    if not any(d in first for d in DELIMITERS) and len(first.split()) > 1:
        return "whitespace"
    return sniff_delimiter(first)


def _first_line(path: Path) -> str:
    import gzip

    try:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:  # type: ignore[operator]
            for line in handle:
                if line.strip():
                    return line
    except FileNotFoundError:
        raise InputDataError("file not found", file=str(path)) from None
    except IsADirectoryError:
        raise InputDataError("is a directory, not a file", file=str(path)) from None
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise InputDataError(f"cannot read the file ({exc})", file=str(path)) from None
    raise InputDataError("empty file", file=str(path))


def read_delimited(path: str | Path, *, delimiter: str | None = None, header: bool = True) -> pd.DataFrame:
    """A delimited text file as a frame of text cells; without a header columns are "1", "2", ..."""
    path = Path(path)
    sep = _delimiter(path, delimiter)
    try:
        if sep == "whitespace":
            # pandas' C parser splits on runs of whitespace natively (no Python loop per row).
            frame = pd.read_csv(path, sep=r"\s+", header=0 if header else None, dtype=str, engine="c",
                                keep_default_na=False, skip_blank_lines=True)
        else:
            read = pacsv.ReadOptions(encoding="utf8", autogenerate_column_names=not header, block_size=1 << 22)
            table = pacsv.read_csv(
                path,
                read_options=read,
                parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                     column_types=None, auto_dict_encode=False),
            )
            table = table.cast(pa.schema([pa.field(f.name, pa.string()) for f in table.schema]))
            frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)
    except FileNotFoundError:
        raise InputDataError("file not found", file=str(path)) from None
    except (OSError, pa.ArrowException, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        raise InputDataError(f"cannot read as delimited text ({str(exc).splitlines()[0][:200]})", file=str(path)) from None
    if header:
        frame.columns = [str(c).strip() for c in frame.columns]
    else:
        frame.columns = [str(i + 1) for i in range(frame.shape[1])]
    return frame.astype("string")


def resolve_column(frame: pd.DataFrame, name: str, option: str, path: Path) -> str:
    """A column by name, or by its 1-based number when no column has that name."""
    if name in frame.columns:
        return name
    if name.isdigit() and 1 <= int(name) <= frame.shape[1]:
        return frame.columns[int(name) - 1]
    shown = ", ".join(list(frame.columns)[:12])
    numbered = list(frame.columns) == [str(i + 1) for i in range(frame.shape[1])]
    hint = "give a 1-based column number" if numbered else "without a header line pass --no-header and 1-based column numbers"
    raise InputDataError(f"no column {name!r} ({option}); columns are: {shown}; {hint}", file=str(path))


class _Accounting:
    """rows_read = rows_used + rows_rejected, with the reasons and the first bad line of each."""

    def __init__(self, rows: int, first_line: int) -> None:
        self.rows_read = rows
        self.bad = pd.Series(pd.NA, index=range(rows), dtype="string")
        self.first_line = first_line

    def reject(self, mask: pd.Series | np.ndarray, reason: str) -> None:
        if isinstance(mask, pd.Series):
            mask = mask.astype("boolean").fillna(False).to_numpy(dtype=bool)
        mask = pd.Series(np.asarray(mask, dtype=bool), index=self.bad.index)
        self.bad[mask & self.bad.isna()] = reason

    @property
    def used(self) -> pd.Series:
        return self.bad.isna()

    def check(self, path: Path, max_rejected: float) -> None:
        rejected = int((~self.used).sum())
        if self.rows_read == 0:
            raise InputDataError("no data rows", file=str(path))
        if rejected and rejected / self.rows_read > max_rejected:
            first = int(np.flatnonzero(~self.used.to_numpy())[0])
            raise InputDataError(
                f"{rejected:,} of {self.rows_read:,} rows rejected (more than {max_rejected:.0%}); "
                f"first at line {first + self.first_line}: {self.bad.iloc[first]}",
                file=str(path),
            )

    def report(self) -> dict[str, Any]:
        reasons = self.bad.dropna().value_counts()
        return {
            "rows_read": self.rows_read,
            "rows_used": int(self.used.sum()),
            "rows_rejected": int((~self.used).sum()),
            "rejection_reasons": [{"reason": str(r), "rows": int(n)} for r, n in reasons.items()],
        }


# --------------------------------------------------------------------------- segkit clv


def _parse_dates(text: pd.Series, date_format: str | None) -> pd.Series:
    if date_format:
        return pd.to_datetime(text, format=date_format, errors="coerce")
    return pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True).dt.tz_localize(None)


def fit_clv_file(
    path: str | Path,
    *,
    calibration_end: str | None = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    date_format: str | None = None,
    delimiter: str | None = None,
    header: bool = True,
    time_unit: str = "weeks",
    horizon: float = 52.0,
    clv_months: int = 12,
    discount_rate: float = 0.10,
    max_rejected: float = DEFAULT_MAX_REJECTED,
    predictions: str | Path | None = None,
) -> dict[str, Any]:
    """Fit BG/NBD + Gamma-Gamma to a transaction file; parameters, fit statistics, projections."""
    path = Path(path)
    if time_unit not in DAYS_PER_UNIT:
        raise UsageError(f"--time-unit takes one of {', '.join(DAYS_PER_UNIT)}; got {time_unit!r}")
    if not np.isfinite(horizon) or horizon <= 0:
        raise UsageError(f"--horizon must be positive; got {horizon:g}")
    if clv_months < 1:
        raise UsageError(f"--clv-months must be at least 1; got {clv_months}")
    if not 0 <= discount_rate < 10:
        raise UsageError(f"--discount-rate must be in [0, 10); got {discount_rate:g}")
    raw = read_delimited(path, delimiter=delimiter, header=header)
    cols = {
        "customer": resolve_column(raw, customer_col, "--customer-col", path),
        "date": resolve_column(raw, date_col, "--date-col", path),
        "amount": resolve_column(raw, amount_col, "--amount-col", path),
    }
    accounting = _Accounting(len(raw), 2 if header else 1)
    customer = raw[cols["customer"]].str.strip()
    accounting.reject(customer.isna() | (customer == ""), f"missing customer id ({cols['customer']})")
    dates = _parse_dates(raw[cols["date"]].str.strip(), date_format)
    accounting.reject(dates.isna(), f"date missing or not {'in ' + date_format if date_format else 'ISO 8601 (pass --date-format)'} ({cols['date']})")
    amounts = pd.to_numeric(raw[cols["amount"]].str.strip().str.replace(",", "", regex=False), errors="coerce")
    accounting.reject(amounts.isna() | ~np.isfinite(amounts.astype("float64").fillna(0.0)), f"amount missing or not a number ({cols['amount']})")
    accounting.reject(amounts < 0, f"negative amount (net returns out first) ({cols['amount']})")
    accounting.check(path, max_rejected)
    used = accounting.used.to_numpy()
    transactions = pd.DataFrame({
        "customer": customer[used].astype(str).to_numpy(),
        "date": dates[used].to_numpy(),
        "amount": amounts[used].astype("float64").to_numpy(),
    })
    if calibration_end is None:
        end = transactions["date"].max().normalize()
    else:
        end = pd.Timestamp(calibration_end)
    after = int((transactions["date"].dt.normalize() > end.normalize()).sum())
    try:
        summary = summarise_transactions(transactions, end, customer_col="customer", date_col="date",
                                         amount_col="amount", time_unit=time_unit)  # type: ignore[arg-type]
    except ValueError as exc:
        raise InputDataError(str(exc), file=str(path)) from None
    x, t_x, T, zbar = (summary[c].to_numpy(dtype=np.float64) for c in ("x", "t_x", "T", "zbar"))
    bg = fit_bgnbd(x, t_x, T)
    result: dict[str, Any] = {
        "model": "bgnbd",
        "input": {
            "file": str(path),
            **accounting.report(),
            "columns": cols,
            "calibration_end": end.date().isoformat(),
            "transactions_after_calibration_end": after,
            "customers": int(len(summary)),
            "repeat_customers": int((x > 0).sum()),
            "time_unit": time_unit,
        },
        "bgnbd": _fit_info(bg, ("r", "alpha", "a", "b")),
        "gamma_gamma": None,
        "projections": None,
        "warnings": [],
        "definitions": CLV_DEFINITIONS,
    }
    gg = None
    if (x > 0).any():
        try:
            gg = fit_gamma_gamma(x, zbar)
        except ValueError as exc:
            result["warnings"].append(f"Gamma-Gamma not fitted: {exc}")
        else:
            result["gamma_gamma"] = _fit_info(gg, ("p", "q", "gamma"))
    else:
        result["warnings"].append("Gamma-Gamma not fitted: no customer has a repeat purchase")
    if not bg.converged:
        result["warnings"].append(f"BG/NBD fit did not converge ({bg.message}); no projections")
        return result
    from segkit.models import conditional_expected_transactions, probability_alive

    p_alive = probability_alive(bg, x, t_x, T)
    expected = conditional_expected_transactions(bg, horizon, x, t_x, T)
    projections: dict[str, Any] = {
        "horizon": horizon,
        "horizon_unit": time_unit,
        "expected_transactions_total": float(expected.sum()),
        "expected_transactions_mean": float(expected.mean()),
        "p_alive_mean": float(p_alive.mean()),
        "p_alive_median": float(np.median(p_alive)),
        "customers_p_alive_below_0_5": int((p_alive < 0.5).sum()),
        "clv_months": clv_months,
        "discount_rate": discount_rate,
        "expected_value_mean": None,
        "clv_total": None,
        "clv_mean": None,
    }
    per_customer = pd.DataFrame({"x": x, "t_x": t_x, "T": T, "zbar": zbar, "p_alive": p_alive,
                                 "expected_transactions": expected}, index=summary.index)
    if gg is not None and gg.converged and gg.params.q > 1:
        step = DAYS_PER_UNIT["months"] / DAYS_PER_UNIT[time_unit]
        monthly = (1.0 + discount_rate) ** (1.0 / 12.0) - 1.0
        predicted = predict_customers(bg, gg, summary, step_length=step, n_steps=clv_months, discount_rate=monthly)
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
    if predictions is not None:
        _write_predictions(per_customer, Path(predictions))
        result["predictions_file"] = str(predictions)
    return result


def _write_predictions(frame: pd.DataFrame, path: Path) -> None:
    from segkit.writers.csv import frame_to_csv

    try:
        path.write_text(frame_to_csv(frame.rename_axis("customer_id").reset_index().round(6)), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the predictions ({exc.strerror or exc})") from None


def _fit_info(fit: Any, names: tuple[str, ...]) -> dict[str, Any]:
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


# --------------------------------------------------------------------------- segkit retention


def fit_retention_file(
    path: str | Path,
    *,
    period_col: str = "period",
    alive_col: str = "alive",
    cohort_col: str | None = None,
    delimiter: str | None = None,
    header: bool = True,
    discount_rate: float = 0.10,
    periods_ahead: int = 5,
    renewals: int | None = None,
) -> dict[str, Any]:
    """Fit the sBG to a survival table (or one row per customer) per cohort, with projections.

    Survival table: ``period`` 0..k and ``alive`` = customers still active at the start of each
    period (period 0 is the cohort size). Per-customer files (``recency`` and ``T`` columns, as
    in ``sbg_paper.csv``) are recognised too: ``recency < T`` churned in period ``recency``,
    ``recency == T`` still active after T - 1 renewals.
    """
    path = Path(path)
    if not 0 < discount_rate < 10:
        raise UsageError(f"--discount-rate must be in (0, 10) for DERL (the sum diverges at 0); got {discount_rate:g}")
    if periods_ahead < 0:
        raise UsageError("--periods must be 0 or more")
    if renewals is not None and renewals < 0:
        raise UsageError("--renewals must be 0 or more")
    raw = read_delimited(path, delimiter=delimiter, header=header)
    cohort = None
    candidates = [cohort_col] if cohort_col else ["cohort", "cohorts"]
    for name in candidates:
        if name in raw.columns or (cohort_col and name.isdigit()):
            cohort = resolve_column(raw, name, "--cohort-col", path)
            break
    per_customer = "recency" in raw.columns and "T" in raw.columns and period_col not in raw.columns
    groups = raw.groupby(raw[cohort].str.strip(), sort=False) if cohort else [("all", raw)]
    cohorts: dict[str, Any] = {}
    for name, part in groups:
        if per_customer:
            fit, observed, last_period, size = _fit_customers(part, path)
        else:
            fit, observed, last_period, size = _fit_table(part, period_col, alive_col, path)
        cohorts[str(name)] = _retention_result(fit, observed, last_period, size, discount_rate, periods_ahead, renewals)
    return {
        "model": "sbg",
        "input": {"file": str(path), "rows_read": int(len(raw)), "layout": "customers" if per_customer else "survival table",
                  "cohort_column": cohort},
        "discount_rate": discount_rate,
        "cohorts": cohorts,
        "warnings": [f"{name}: {c['message']}" for name, c in cohorts.items() if not c["converged"]],
        "definitions": RETENTION_DEFINITIONS,
    }


def _whole_numbers(text: pd.Series, what: str, path: Path, *, allow_fraction: bool = False) -> np.ndarray:
    values = pd.to_numeric(text.str.strip(), errors="coerce")
    bad = values.isna() | (values < 0)
    if not allow_fraction:
        bad |= values.fillna(0) != np.floor(values.fillna(0))
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputDataError(f"{what} must be {'non-negative numbers' if allow_fraction else 'whole numbers >= 0'}; row {first + 1} has {text.iloc[first]!r}", file=str(path))
    return values.to_numpy(dtype=np.float64)


def _fit_table(part: pd.DataFrame, period_col: str, alive_col: str, path: Path) -> tuple[SBGResult, list[float], int, float]:
    period_name = resolve_column(part, period_col, "--period-col", path)
    alive_name = resolve_column(part, alive_col, "--alive-col", path)
    periods = _whole_numbers(part[period_name], f"{period_name!r}", path)
    alive = _whole_numbers(part[alive_name], f"{alive_name!r}", path, allow_fraction=True)
    order = np.argsort(periods, kind="stable")
    periods, alive = periods[order], alive[order]
    if len(periods) < 2 or not np.array_equal(periods, np.arange(len(periods))):
        raise InputDataError(f"{period_name!r} must run 0, 1, 2, ... without gaps or repeats (period 0 is the cohort size)", file=str(path))
    if np.any(np.diff(alive) > 0):
        k = int(np.flatnonzero(np.diff(alive) > 0)[0]) + 1
        raise InputDataError(f"{alive_name!r} must not increase: period {k} has {alive[k]:g} after {alive[k - 1]:g} (customers cannot come back)", file=str(path))
    if alive[0] <= 0:
        raise InputDataError(f"the cohort size ({alive_name!r} at period 0) must be positive", file=str(path))
    fit = fit_sbg_survival(alive)
    return fit, (alive / alive[0]).tolist(), len(alive) - 1, float(alive[0])


def _fit_customers(part: pd.DataFrame, path: Path) -> tuple[SBGResult, list[float], int, float]:
    recency = _whole_numbers(part["recency"], "'recency'", path)
    horizon = _whole_numbers(part["T"], "'T'", path)
    try:
        periods, churned = sbg_customers_from_recency(recency, horizon)
    except ValueError as exc:
        raise InputDataError(str(exc), file=str(path)) from None
    fit = fit_sbg_customers(periods, churned)
    last = int(horizon.max()) - 1
    # observed share alive at the start of each period t: not churned in periods 1..t
    t = np.arange(last + 1)
    churn_period = np.where(churned, periods, np.inf)
    observed = [(churn_period > k).mean() for k in t]
    return fit, [float(v) for v in observed], last, float(len(periods))


def _retention_result(fit: SBGResult, observed: list[float], last: int, size: float, d: float,
                      ahead: int, renewals: int | None) -> dict[str, Any]:
    n_renewals = last if renewals is None else renewals
    future = np.arange(last + 1, last + 1 + ahead)
    lifetime = fit.expected_lifetime()
    return {
        "model": fit.model,
        "params": {"alpha": fit.alpha, "beta": fit.beta} if fit.model == "sbg" else {"alpha": None, "beta": None},
        "geometric_churn": fit.geometric_churn,
        "standard_errors": fit.standard_errors,
        "loglik": fit.loglik,
        "n": fit.n,
        "converged": fit.converged,
        "message": fit.message,
        "cohort_size": size,
        "observed_periods": last,
        "observed_survival": observed,
        "fitted_survival": [float(v) for v in fit.survival(np.arange(last + 1))],
        "projection": [
            {"period": int(t), "survival": float(fit.survival(t)), "retention_rate": float(fit.retention_rate(t)),
             "expected_alive": float(size * fit.survival(t))}
            for t in future
        ],
        "expected_lifetime": None if not np.isfinite(lifetime) else lifetime,
        "expected_lifetime_capped": fit.expected_lifetime(horizon=LIFETIME_CAP_PERIODS),
        "lifetime_cap_periods": LIFETIME_CAP_PERIODS,
        "derl_renewals": n_renewals,
        "derl": fit.derl(d, n_renewals),
        "discount_rate": d,
    }

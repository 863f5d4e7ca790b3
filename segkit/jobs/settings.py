"""Every setting of a run, resolved once: the command-line value, else the config, else the default.

Each default is declared once: the load defaults on ``LoadOptions``, the metric defaults on
``MetricOptions``, the value-model defaults on ``ValueSettings``, and the few that belong to
no stage (period, cohorts, precision) in ``RunDefaults`` below. The CLI passes ``None`` for
what the user did not give, so the API and the CLI resolve to the same values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

import pandas as pd

from segkit.config import Config
from segkit.errors import UsageError
from segkit.features.billing.fx import check_currency_code
from segkit.features.value.fits import CLV_METHODS, ValueSettings
from segkit.loading import LoadOptions
from segkit.metrics import MetricOptions
from segkit.metrics.survival import DEFAULT_HORIZON_MONTHS
from segkit.report import DEFAULT_FLOAT_PRECISION

#: Reading overrides (``--encoding`` ...), each also a ``[load]`` key in segkit.toml.
READ_OPTIONS = ("encoding", "delimiter", "decimal", "date_format", "ranges", "duplicates", "amount_unit", "group_key")
#: Confidence of the bootstrap CLV intervals (fixed; stated in report.json).
CLV_CI_CONFIDENCE = 0.95


@dataclass(frozen=True)
class RunDefaults:
    """Defaults of the settings no stage's options class owns."""

    period_months: int = 12
    flat_churn_window_months: float = 1.0
    cohort_start: str = "first_payment"
    cohort_period: str = "month"
    cohorts_by_segment: bool = False
    float_precision: int = DEFAULT_FLOAT_PRECISION


RUN_DEFAULTS = RunDefaults()


def default_of(cls: type, name: str) -> Any:
    """The declared default of one dataclass field (the one place each default lives)."""
    for item in fields(cls):
        if item.name == name:
            if item.default is not MISSING:
                return item.default
            if item.default_factory is not MISSING:
                return item.default_factory()
    raise KeyError(f"{cls.__name__}.{name} has no default")


@dataclass
class SegmentOptions:
    """What ``segkit segment`` takes besides the files; ``None`` means "from the config, else the default"."""

    by: Sequence[str] | None = None
    as_of: dt.date | None = None
    period_months: int | None = None
    min_segment_size: int | None = None
    gross_margin: float | None = None
    timezone: str | None = None
    max_rejected: float | None = None
    overrides: Sequence[str] = field(default_factory=list)
    read: dict[str, str] = field(default_factory=dict)  # reading overrides: see READ_OPTIONS
    clv_method: str | None = None
    discount_rate: float | None = None
    cohorts_by_segment: bool | None = None
    engine: str | None = None  # event-feature engine: duckdb (default) or spark (issue #6)
    spark_master: str | None = None  # --engine spark: local[2] (default), spark://HOST:PORT, yarn, k8s://...
    reporting_currency: str | None = None  # ISO 4217 code amounts are converted to with the fx_rates table


@dataclass(frozen=True)
class EngineSettings:
    """The event engine of a run (``--engine``, ``[load]`` engine keys)."""

    engine: str | None = None
    spark_master: str | None = None
    threads: int | None = None
    memory_limit: str | None = None
    temp_directory: str | None = None


@dataclass(frozen=True)
class Settings:
    """One run's settings, typed and checked; built once by ``resolve_settings``."""

    load: LoadOptions
    engine: EngineSettings
    as_of: dt.date | None
    config_as_of: pd.Timestamp | None  # metrics.as_of: the as-of when the data has no dates
    period_months: int
    past_due: str
    flat_churn_window_months: float
    metrics: MetricOptions
    value: ValueSettings
    cohort_start: str
    cohort_period: str
    cohorts_by_segment: bool
    float_precision: int
    #: churn policy (SPEC 4): gaps of at most this many days are not churn; when churn is recognised
    churn_grace_days: float = 1.0
    churn_recognition: str = "period_end"
    #: survival (segkit.metrics.survival): the restricted mean lifetime is the area under S to this horizon
    survival_horizon_months: float = DEFAULT_HORIZON_MONTHS
    #: ISO 4217 code every amount is reported in (None: the amounts must share one currency)
    reporting_currency: str | None = None

    @property
    def timezone(self) -> str:
        return self.load.timezone


def _pick(given: Any, section: Mapping[str, Any], key: str, default: Any) -> Any:
    """The command-line value, else the config's, else the default."""
    if given is not None:
        return given
    return section.get(key, default)


def check_timezone(name: str) -> None:
    try:
        pd.Timestamp("2020-01-01").tz_localize(name)
    except Exception:  # noqa: BLE001 - any failure means an unknown zone name
        raise UsageError(f"unknown timezone {name!r}; use an IANA name such as UTC or Europe/Berlin") from None


def resolve_load(config: Config, *, timezone: str | None = None, max_rejected: float | None = None,
                 as_of: dt.date | None = None, read: Mapping[str, str] | None = None) -> LoadOptions:
    """LoadOptions from the command line, then ``[load]`` in the config, then LoadOptions' defaults."""
    values: dict[str, Any] = {}
    for name in READ_OPTIONS:
        value = _pick((read or {}).get(name), config.load, name, None)
        if value is not None:
            values[name] = value
    raw_max = _pick(max_rejected, config.load, "max_rejected", default_of(LoadOptions, "max_rejected"))
    try:
        max_share = float(raw_max)
    except (TypeError, ValueError):
        raise UsageError(f"max_rejected takes a fraction such as 0.05; got {raw_max!r}") from None
    zone = str(_pick(timezone or None, config.load, "timezone", default_of(LoadOptions, "timezone")))
    check_timezone(zone)
    return LoadOptions(timezone=zone, max_rejected=max_share, as_of=pd.Timestamp(as_of) if as_of is not None else None, **values)


def int_setting(config: Config, key: str, default: int, *, minimum: int) -> int:
    value = config.metrics.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UsageError(f"metrics.{key} takes a whole number of at least {minimum}; got {value!r}")
    return value


def _config_as_of(value: Any) -> pd.Timestamp | None:
    """``metrics.as_of`` (a TOML date or a YYYY-MM-DD string) as a UTC timestamp."""
    if value is None:
        return None
    try:
        return pd.Timestamp(dt.date.fromisoformat(str(value))).tz_localize("UTC")
    except ValueError:
        raise UsageError(f"metrics.as_of takes a date as YYYY-MM-DD; got {value!r}") from None


def value_settings(config: Config, options: SegmentOptions) -> ValueSettings:
    """CLV, activation and engagement settings; defaults are ValueSettings'."""
    m = config.metrics
    method = str(options.clv_method or m.get("clv_method", default_of(ValueSettings, "clv_method")))
    if method not in CLV_METHODS:
        raise UsageError(f"unknown CLV method {method!r}; choose one of: {', '.join(CLV_METHODS)}")
    rate = _pick(options.discount_rate, m, "discount_rate", default_of(ValueSettings, "discount_rate"))
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= float(rate) < 10:
        raise UsageError(f"the discount rate must be a number in [0, 10) (0.10 is 10% a year); got {rate!r}")
    weights = m.get("engagement_weights", list(default_of(ValueSettings, "engagement_weights")))
    if not isinstance(weights, list) or len(weights) != 3 or not all(isinstance(w, (int, float)) and not isinstance(w, bool) for w in weights):
        raise UsageError(f"metrics.engagement_weights takes three numbers [active days, breadth, frequency]; got {weights!r}")
    event = m.get("activation_event", default_of(ValueSettings, "activation_event"))
    if event is not None and (not isinstance(event, str) or not event.strip()):
        raise UsageError(f"metrics.activation_event takes an event name; got {event!r}")
    return ValueSettings(
        clv_method=method,
        discount_rate=float(rate),
        clv_horizon_months=int_setting(config, "clv_horizon_months", default_of(ValueSettings, "clv_horizon_months"), minimum=1),
        activation_event=event,
        activation_days=int_setting(config, "activation_days", default_of(ValueSettings, "activation_days"), minimum=1),
        activation_start=str(m.get("activation_start", default_of(ValueSettings, "activation_start"))),
        engagement_weights=tuple(float(w) for w in weights),
        past_due=str(m.get("past_due", default_of(ValueSettings, "past_due"))),
        clv_transactions=str(m.get("clv_transactions", default_of(ValueSettings, "clv_transactions"))),
    )


def metric_options(config: Config, options: SegmentOptions, value: ValueSettings) -> MetricOptions:
    """MetricOptions from the options and ``[metrics]``; defaults are MetricOptions'."""
    m = config.metrics
    result = MetricOptions(
        gross_margin=float(_pick(options.gross_margin, m, "gross_margin", default_of(MetricOptions, "gross_margin"))),
        min_segment_size=int(_pick(options.min_segment_size, m, "min_segment_size", default_of(MetricOptions, "min_segment_size"))),
        conversion_window_days=int(m.get("conversion_window_days", default_of(MetricOptions, "conversion_window_days"))),
        clv_method=value.clv_method,
        discount_rate=value.discount_rate,
        clv_horizon_months=value.clv_horizon_months,
        clv_discount_simple=bool(m.get("clv_discount_simple", default_of(MetricOptions, "clv_discount_simple"))),
        clv_bootstrap=int_setting(config, "clv_bootstrap", default_of(MetricOptions, "clv_bootstrap"), minimum=0),
        clv_seed=int_setting(config, "clv_seed", default_of(MetricOptions, "clv_seed"), minimum=0),
    )
    if not 0 < result.gross_margin <= 1:
        raise UsageError(f"gross margin must be in (0, 1]; got {result.gross_margin:g}")
    return result


#: Dates segkit computes with (pandas timestamps end in 2262; a period reaches back from as-of).
EARLIEST_AS_OF, LATEST_AS_OF = dt.date(1900, 1, 1), dt.date(2200, 12, 31)
MAX_PERIOD_MONTHS, MAX_SEGMENT_SIZE = 1200, 10**9
_MEMORY = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B|B|%)?", re.IGNORECASE)


def check_ranges(as_of: dt.date | None, months: int, min_segment_size: int) -> None:
    """Values that parse but that no run can use: exit 2 with the range, not a crash inside pandas."""
    if as_of is not None and not EARLIEST_AS_OF <= as_of <= LATEST_AS_OF:
        raise UsageError(f"--as-of must be between {EARLIEST_AS_OF} and {LATEST_AS_OF}; got {as_of}")
    if months > MAX_PERIOD_MONTHS:
        raise UsageError(f"--period must be at most {MAX_PERIOD_MONTHS} months; got {months}")
    if not 0 <= min_segment_size <= MAX_SEGMENT_SIZE:
        raise UsageError(f"--min-segment-size must be between 0 and {MAX_SEGMENT_SIZE:,}; got {min_segment_size}")


def _threads(value: Any) -> int | None:
    if value in (None, 0, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1024:
        raise UsageError(f"load.threads takes a whole number of threads (1 to 1024); got {value!r}")
    return value


def _memory_limit(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _MEMORY.fullmatch(value.strip()):
        raise UsageError(f"load.memory_limit takes a size such as '4GB' or '80%'; got {value!r}")
    return value.strip()


def engine_settings(config: Config, options: SegmentOptions) -> EngineSettings:
    return EngineSettings(
        engine=_pick(options.engine, config.load, "engine", None),
        spark_master=_pick(options.spark_master, config.load, "spark_master", None),
        threads=_threads(config.load.get("threads")),
        memory_limit=_memory_limit(config.load.get("memory_limit")),
        temp_directory=config.load.get("temp_directory"),
    )


def resolve_settings(config: Config, options: SegmentOptions) -> Settings:
    """Every setting of ``segment``, ``feature_set`` and ``icp``, checked once, before any work."""
    try:
        return _resolve_settings(config, options)
    except (ValueError, TypeError, OverflowError) as exc:  # int("abc") from --set or the config file
        raise UsageError(f"a setting has a value of the wrong type ({exc}); check --set and the config file") from None


def _resolve_settings(config: Config, options: SegmentOptions) -> Settings:
    m = config.metrics
    value = value_settings(config, options)
    months = int(options.period_months or m.get("period_months", RUN_DEFAULTS.period_months))
    if months < 1:
        raise UsageError(f"--period must be at least 1 month; got {months}")
    metrics = metric_options(config, options, value)
    check_ranges(options.as_of, months, metrics.min_segment_size)
    return Settings(
        load=resolve_load(config, timezone=options.timezone, max_rejected=options.max_rejected, as_of=options.as_of, read=options.read),
        engine=engine_settings(config, options),
        as_of=options.as_of,
        config_as_of=_config_as_of(m.get("as_of")),
        period_months=months,
        past_due=str(m.get("past_due", default_of(ValueSettings, "past_due"))),
        flat_churn_window_months=float(m.get("flat_churn_window_months", RUN_DEFAULTS.flat_churn_window_months)),
        metrics=metrics,
        value=value,
        cohort_start=str(m.get("cohort_start", RUN_DEFAULTS.cohort_start)),
        cohort_period=str(m.get("cohort_period", RUN_DEFAULTS.cohort_period)),
        cohorts_by_segment=bool(_pick(options.cohorts_by_segment, m, "cohorts_by_segment", RUN_DEFAULTS.cohorts_by_segment)),
        float_precision=int(config.output.get("float_precision", RUN_DEFAULTS.float_precision)),
        churn_grace_days=churn_grace_days(config),
        churn_recognition=churn_recognition(config),
        survival_horizon_months=survival_horizon_months(config),
        reporting_currency=reporting_currency(config, options),
    )


CHURN_RECOGNITION = ("period_end", "cancellation")


def churn_grace_days(config: Config) -> float:
    """``metrics.churn_grace_days``: a number of days of at least 0 (default 1)."""
    value = config.metrics.get("churn_grace_days", 1)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= float(value) < 3660:
        raise UsageError(f"metrics.churn_grace_days takes a number of days of at least 0 (default 1); got {value!r}")
    return float(value)


def survival_horizon_months(config: Config) -> float:
    """``metrics.survival_horizon_months``: months, more than 0 and at most 1200 (default 24)."""
    value = config.metrics.get("survival_horizon_months", DEFAULT_HORIZON_MONTHS)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < float(value) <= MAX_PERIOD_MONTHS:
        raise UsageError(f"metrics.survival_horizon_months takes a number of months in (0, {MAX_PERIOD_MONTHS}] "
                         f"(default {DEFAULT_HORIZON_MONTHS:g}); got {value!r}")
    return float(value)


def churn_recognition(config: Config) -> str:
    """``metrics.churn_recognition``: period_end (default, at ended_at) or cancellation (at canceled_at)."""
    value = config.metrics.get("churn_recognition", "period_end")
    if value not in CHURN_RECOGNITION:
        raise UsageError(f"metrics.churn_recognition takes period_end or cancellation; got {value!r}")
    return str(value)


def reporting_currency(config: Config, options: SegmentOptions) -> str | None:
    """``--reporting-currency``, else ``metrics.reporting_currency``: an ISO 4217 code (upper case), or None."""
    value = _pick(options.reporting_currency, config.metrics, "reporting_currency", None)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise UsageError(f"metrics.reporting_currency takes an ISO 4217 code such as \"USD\"; got {value!r}")
    return check_currency_code(value)

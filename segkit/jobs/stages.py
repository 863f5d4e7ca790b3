"""The stage calls every job shares: read the config, load the inputs (stage 1), open the event
engine and build the features (stage 2) with the run's settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from segkit.config import Config, load_config
from segkit.errors import InputDataError
from segkit.features import FeatureSet, Period, build_features
from segkit.features.billing.subscriptions import BillingPolicy
from segkit.features.events.base import EventEngine
from segkit.features.events.registry import make_engine
from segkit.features.value.fits import add_value_features
from segkit.features.value.model import ValueFits, ValueWarning
from segkit.jobs.memory import release_freed_memory
from segkit.jobs.settings import LATEST_AS_OF, EngineSettings, Settings, resolve_load
from segkit.loading import Inputs, LoadOptions, load_inputs
from segkit.loading.asof import AsOfSource, cut_at_as_of, latest_activity

PathLike = str | Path
TableFiles = Mapping[str, Sequence[PathLike] | None]
Progress = Callable[[str], None]


def paths(values: Sequence[PathLike] | None) -> list[Path]:
    return [Path(v) for v in values or []]


def table_paths(tables: TableFiles | None) -> dict[str, list[Path]]:
    return {t: paths(p) for t, p in (tables or {}).items() if p}


def read_config(path: PathLike | None) -> Config:
    return load_config(Path(path) if path is not None else None)


def as_config(config: Config | PathLike | None) -> Config:
    return config if isinstance(config, Config) else read_config(config)


def load_with(files: Sequence[PathLike], tables: TableFiles | None, config: Config, options: LoadOptions) -> Inputs:
    """Stage 1 with resolved options."""
    return load_inputs(paths(files), table_paths(tables), config, options)


def load(
    files: Sequence[PathLike] = (),
    *,
    tables: TableFiles | None = None,
    config: Config | None = None,
    timezone: str | None = None,
    max_rejected: float | None = None,
    as_of: dt.date | None = None,
    read: Mapping[str, str] | None = None,
) -> Inputs:
    """Stage 1 alone: read, map, parse and validate the inputs; with ``as_of``, the rows after it
    excluded and counted (events: when the features are built)."""
    config = config or Config()
    options = resolve_load(config, timezone=timezone, max_rejected=max_rejected, as_of=as_of, read=read)
    inputs = load_with(files, tables, config, options)
    if as_of is not None:
        cut_at_as_of(inputs, pd.Timestamp(as_of).tz_localize("UTC"))
    return inputs


def event_engine(inputs: Inputs, engine: EngineSettings, timezone: str, *, progress: bool = False) -> EventEngine | None:
    """The event-feature engine of a run (any registered ``segkit.engines`` one), or None without events."""
    if inputs.events is None:
        return None

    return make_engine(
        inputs.events, engine=engine.engine, timezone=timezone, users=inputs.frame("users"),
        spark_master=engine.spark_master, threads=engine.threads, memory_limit=engine.memory_limit,
        temp_directory=engine.temp_directory, progress=progress,
    )


@dataclass
class BuiltFeatures:
    """Stage 2's result for a job: the features and, with value features, their model fits."""

    features: FeatureSet
    value_fits: ValueFits = field(default_factory=ValueFits)


def as_of_for(inputs: Inputs, engine: EventEngine | None, settings: Settings, say: Progress) -> AsOfSource:
    """The run's as-of and what set it: ``--as-of``, else the latest activity date, else ``metrics.as_of``."""
    if settings.as_of is not None:
        return AsOfSource(pd.Timestamp(settings.as_of).tz_localize("UTC"), "--as-of")
    say("finding the latest activity date in the data (the default --as-of)")
    latest = latest_activity(inputs, engine.max_timestamp() if engine else None)
    if latest is None:
        if settings.config_as_of is None:
            raise InputDataError("no activity dates in any input (event times, payments, subscription starts, deals, "
                                 "survey answers, tickets, cancellations), so --as-of has no default; "
                                 "pass --as-of YYYY-MM-DD or set metrics.as_of")
        return AsOfSource(settings.config_as_of, "config")
    if latest.date.date() > LATEST_AS_OF:
        raise InputDataError(f"the latest activity date in the data, {latest.date.date()} in {latest.source}, is after "
                             f"{LATEST_AS_OF} (a placeholder date such as 9999-12-31?), so it cannot be the default "
                             "--as-of; fix the cell or pass --as-of YYYY-MM-DD")
    return AsOfSource(latest.date.normalize(), latest.source)


def features_for(inputs: Inputs, settings: Settings, extras: Sequence[str], say: Progress, *,
                 with_value: bool = False, progress: bool = False) -> BuiltFeatures:
    """Stage 2 for segment(), feature_set() and icp(): as-of, period, then the feature frame.

    With ``with_value`` the value features (renewals, activation, CLV fits) are added while the
    event engine is still open.
    """
    release_freed_memory()  # what loading freed, before DuckDB's own allocations add to it
    engine = event_engine(inputs, settings.engine, settings.timezone, progress=progress)
    try:
        found = as_of_for(inputs, engine, settings, say)
        as_of = found.date
        cut_at_as_of(inputs, as_of)  # rows after as-of excluded and counted, later dates censored
        period = Period.ending(as_of, settings.period_months)
        say("building features")
        features = build_features(
            inputs, period, as_of, engine, past_due=settings.past_due,
            flat_churn_window_months=settings.flat_churn_window_months, extras=list(extras),
            policy=BillingPolicy(settings.past_due, settings.churn_grace_days, settings.churn_recognition),
            reporting_currency=settings.reporting_currency,
        )
        built = BuiltFeatures(features)
        if with_value:
            built.value_fits = add_value_features(features, inputs, engine, settings.value)
        if features.billing is not None:
            built.value_fits.warnings.extend(ValueWarning("churn_policy", note) for note in features.billing.notes)
        built.value_fits.warnings.extend(ValueWarning("currency", note) for note in features.money.notes)
    finally:
        if engine is not None:
            engine.close()
            release_freed_memory()
    features.frame.attrs["as_of"] = as_of
    features.as_of_source = found.source
    features.months = settings.period_months
    return built

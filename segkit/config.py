"""``segkit.toml``: column mappings for exports segkit has no preset for, and parameters.

The config is plain data. Every key is documented in ``docs/configuration.md`` and a test checks
that the two agree, so a typo is an error with a suggestion rather than a silently ignored key.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from segkit.errors import ConfigError

TABLE_NAMES = ("accounts", "subscriptions", "invoices", "deals", "events", "users", "surveys", "tickets", "cancellations", "fx_rates")

#: Top-level sections and the keys each accepts (``None``: free-form, checked elsewhere).
CONFIG_KEYS: dict[str, dict[str, str] | None] = {
    "load": {
        "timezone": "IANA zone for timestamps without one (default UTC).",
        "max_rejected": "Largest share of rejected rows a file may have before exit 3 (default 0.05).",
        "encoding": "Text encoding of CSV files (default: sniffed; UTF-8, UTF-16 with BOM, else Windows-1252, reported).",
        "delimiter": "CSV delimiter: a character or comma/semicolon/tab/pipe (default: sniffed from the header).",
        "decimal": "Decimal separator of numbers: '.', ',' or 'auto' (default auto, decided per column).",
        "date_format": "strptime layout of dates that are not ISO 8601 or epoch, e.g. '%d/%m/%Y' (default none).",
        "ranges": "Number cells holding a range (50-100, 1,000+): reject (default), midpoint, low or high.",
        "duplicates": "Duplicate account/user ids: last (default, the others are reported), first, or error.",
        "amount_unit": "Billing amounts: major (currency units) or minor (cents); default: the preset's (Stripe API: minor).",
        "group_key": "Events: the group key / property holding the account id (Mixpanel properties.KEY, Amplitude groups.KEY).",
        "engine": "Events: the feature engine, duckdb (default, embedded) or spark (needs segkit[spark] and Java 17).",
        "spark_master": "Events with engine spark: the Spark master, local[2] (default), spark://HOST:PORT, yarn or k8s://...",
        "threads": "Events with engine duckdb: threads (default: SEGKIT_THREADS, else every core).",
        "memory_limit": "Events with engine duckdb: memory DuckDB may use before spilling to disk, e.g. '2GB' (default: half the RAM, at most 4GB; 256MB with CSV or JSON Lines events).",
        "temp_directory": "Events with engine duckdb: where DuckDB spills (default: a temporary directory removed after the run).",
    },
    "inputs": None,
    "metrics": {
        "gross_margin": "Gross margin applied to CLV (default 1.0: revenue CLV).",
        "min_segment_size": "Segments with fewer accounts have their metrics suppressed (default 5).",
        "conversion_window_days": "Days after created_at within which a paying start counts as a conversion (default 90).",
        "period_months": "Length of the metric period ending at as-of, in months (default 12).",
        "clv_method": "CLV method: simple (default), sbg or bgnbd.",
        "discount_rate": "Annual discount rate for CLV (default 0.10).",
        "clv_horizon_months": "CLV horizon in months: the simple method's lifetime cap and the bgnbd horizon (default 60).",
        "clv_discount_simple": "Discount the simple method's lifetime too (default false).",
        "clv_transactions": "Transactions for the bgnbd method: invoices (default) or events (active days; no amounts, so no CLV).",
        "clv_bootstrap": "Bootstrap replicates for per-segment CLV intervals (default 200; 0 disables).",
        "clv_seed": "Seed of the CLV bootstrap (default 0).",
        "activation_event": "Event name that marks activation (default: none, no activation metrics).",
        "activation_days": "Days after the start within which the activation event must happen (default 14).",
        "activation_start": "Start of the activation clock: created_at (default) or first_payment.",
        "engagement_weights": "Weights of active days, breadth and frequency in the engagement score (default [0.4, 0.3, 0.3]).",
        "cohort_start": "Cohorts by first_payment (default) or signup (created_at).",
        "cohort_period": "Cohorts by month (default) or quarter.",
        "cohorts_by_segment": "Also write cohort tables per segment (default false).",
        "past_due": "'include' (default) counts past_due subscriptions as paying; 'exclude' does not.",
        "as_of": "Date the figures are computed at when --as-of is not given and the data holds no dates (flat tables).",
        "flat_churn_window_months": "Flat tables: months the churned flag covers (default 1), for monthly churn and CLV.",
        "churn_grace_days": "Days between an account's paid periods that are not churn (default 1: date-only version rows a day apart are one history).",
        "survival_horizon_months": "Months the restricted mean lifetime of the survival curves runs to (default 24).",
        "churn_recognition": "When churn is recognised: period_end (default, at ended_at) or cancellation (at canceled_at when earlier).",
        "reporting_currency": "ISO 4217 code every amount is reported in (--reporting-currency; default: none, amounts must share one currency); other currencies are converted with the fx_rates table.",
    },
    "segmenters": None,
    "output": {
        "float_precision": "Decimal places floats are rounded to in report.json (default 6).",
    },
    # Defaults of `segkit segment`'s options (issue 12): a cron line is `segkit segment --config FILE`.
    "segment": {
        "by": "Segmenters, as --by: a string (\"value,geographic\") or a list (default firmographic,geographic,value).",
        "as_of": "Date the figures are computed at, as --as-of (YYYY-MM-DD).",
        "period": "Length of the metric period, as --period (12, \"6m\", \"1y\").",
        "out": "Output directory, as --out (relative to this file).",
        "format": "stdout format, as --format (table, json, ...).",
        "min_segment_size": "As --min-segment-size.",
        "gross_margin": "As --gross-margin.",
        "timezone": "As --timezone.",
        "max_rejected": "As --max-rejected.",
        "clv_method": "As --clv-method.",
        "discount_rate": "As --discount-rate.",
        "cohorts_by_segment": "As --cohorts-by-segment (true/false).",
        "engine": "As --engine.",
        "spark_master": "As --spark-master.",
        "quiet": "As --quiet (true/false).",
        "keep": "As --keep: runs kept in --out DIR's history (default 30).",
        "if_changed": "As --if-changed (true/false): skip a run whose inputs and options are unchanged.",
        "fail_on": "As --fail-on: a list of conditions, e.g. [\"churn_rate>0.08\", \"segment:SMB.nrr<0.9\"].",
        "hash_ids": "As --hash-ids (true/false): account ids replaced by HMAC-SHA256 with the key in SEGKIT_HASH_KEY.",
    },
}

INPUT_KEYS: dict[str, str] = {
    "files": "Files holding this table, relative to the config file.",
    "preset": "Preset to read the files with (default: detected from the header).",
    "columns": "Mapping canonical column -> column name in the export.",
    "mrr_unit": "subscriptions: 'major' (default) or 'minor' (cents) for amounts.",
}


@dataclass(frozen=True)
class InputSpec:
    """How one canonical table is found and mapped, as the config states it."""

    table: str
    files: tuple[Path, ...] = ()
    preset: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    """The parsed config; an empty one when no file is given."""

    path: Path | None = None
    inputs: dict[str, InputSpec] = field(default_factory=dict)
    load: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    segmenters: dict[str, dict[str, Any]] = field(default_factory=dict)
    output: dict[str, Any] = field(default_factory=dict)
    segment: dict[str, Any] = field(default_factory=dict)  # defaults of `segkit segment`'s options

    def with_overrides(self, assignments: list[str]) -> Config:
        """Apply ``--set section.key=value`` overrides (values parsed as TOML, else a string)."""
        data = {
            "load": dict(self.load),
            "metrics": dict(self.metrics),
            "output": dict(self.output),
            "segmenters": {k: dict(v) for k, v in self.segmenters.items()},
        }
        for assignment in assignments:
            key, sep, raw = assignment.partition("=")
            parts = key.strip().split(".")
            if not sep or len(parts) < 2 or not all(parts):
                raise ConfigError(
                    f"--set takes SECTION.KEY=VALUE (for example metrics.gross_margin=0.8); got {assignment!r}"
                )
            value = _parse_value(raw.strip())
            section = parts[0]
            if section == "segmenters":
                if len(parts) != 3:
                    raise ConfigError(
                        f"--set segmenters takes segmenters.NAME.PARAM=VALUE; got {assignment!r}"
                    )
                data["segmenters"].setdefault(parts[1], {})[parts[2]] = value
            elif section in ("load", "metrics", "output") and len(parts) == 2:
                _check_key(section, parts[1], CONFIG_KEYS[section] or {}, f"--set {key}")
                data[section][parts[1]] = value
            else:
                raise ConfigError(
                    f"--set {key}: unknown setting; use load.*, metrics.*, output.* or segmenters.NAME.PARAM"
                )
        return Config(
            path=self.path,
            inputs=self.inputs,
            load=data["load"],
            metrics=data["metrics"],
            output=data["output"],
            segmenters=data["segmenters"],
            segment=self.segment,
        )


def _parse_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _check_key(section: str, key: str, known: dict[str, str], where: str) -> None:
    if key in known:
        return
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(sorted(known))}"
    raise ConfigError(f"{where}: unknown key {key!r} in [{section}]{hint}")


def load_config(path: Path | None) -> Config:
    """Read and check a config file; ``None`` gives the empty config."""
    if path is None:
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    return parse_config(raw, path)


def parse_config(raw: dict[str, Any], path: Path | None = None) -> Config:
    """Check a config mapping against the documented keys and build a ``Config``."""
    where = str(path) if path else "config"
    for section, value in raw.items():
        if section not in CONFIG_KEYS:
            _check_key("top level", section, {k: "" for k in CONFIG_KEYS}, where)
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: [{section}] must be a table")
        known = CONFIG_KEYS[section]
        if known is not None:
            for key in value:
                _check_key(section, key, known, where)
    base = path.parent if path else Path(".")
    inputs: dict[str, InputSpec] = {}
    for table, spec in raw.get("inputs", {}).items():
        if table not in TABLE_NAMES:
            _check_key("inputs", table, {t: "" for t in TABLE_NAMES}, where)
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}: [inputs.{table}] must be a table")
        for key in spec:
            _check_key(f"inputs.{table}", key, INPUT_KEYS, where)
        files = spec.get("files", [])
        if isinstance(files, str):
            files = [files]
        columns = spec.get("columns", {})
        if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
            raise ConfigError(f"{where}: [inputs.{table}.columns] maps canonical names to column names (strings)")
        options = {k: v for k, v in spec.items() if k not in ("files", "preset", "columns")}
        inputs[table] = InputSpec(
            table=table,
            files=tuple(base / f for f in files),
            preset=spec.get("preset"),
            columns=dict(columns),
            options=options,
        )
    segmenters = raw.get("segmenters", {})
    for name, params in segmenters.items():
        if not isinstance(params, dict):
            raise ConfigError(f"{where}: [segmenters.{name}] must be a table of parameters")
    return Config(
        path=path,
        inputs=inputs,
        load=dict(raw.get("load", {})),
        metrics=dict(raw.get("metrics", {})),
        segmenters={k: dict(v) for k, v in segmenters.items()},
        output=dict(raw.get("output", {})),
        segment=dict(raw.get("segment", {})),
    )


def default_config_path(cwd: Path | None = None) -> Path | None:
    """``./segkit.toml`` when present (SPEC section 5), else no config."""
    candidate = (cwd or Path.cwd()) / "segkit.toml"
    return candidate if candidate.is_file() else None

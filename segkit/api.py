"""segkit's Python API: each job is one function here; the CLI only parses, calls and prints.

    from segkit import api
    report = api.segment(["companies.csv", "subscriptions.csv"], by=["firmographic"])
    api.write_outputs(report, "out/")
"""

from __future__ import annotations

import datetime as dt
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from segkit import __version__
from segkit.config import Config, load_config
from segkit.errors import InputDataError, UsageError
from segkit.features import EventEngine, FeatureSet, Period, build_features, latest_date
from segkit.features.value import add_value_features
from segkit.loading import Inputs, LoadOptions, load_inputs
from segkit.metrics import DEFINITIONS, MetricOptions, compute_metrics
from segkit.metrics.definitions import PERIOD_NOTE
from segkit.value import clv_model_report, clv_warnings, cohort_matrix_for, int_setting, value_settings
from segkit.report import DEFAULT_FLOAT_PRECISION, SCHEMA_VERSION, Report
from segkit.segmenters import UNKNOWN, Registry, Segmenter, discover
from segkit.writers import write_outputs as _write_outputs

DEFAULT_SEGMENTERS = ("firmographic", "geographic", "value")
CROSS = "*"
PathLike = str | Path


@dataclass
class SegmentOptions:
    """What ``segkit segment`` takes besides the files; defaults follow SPEC section 4."""

    by: Sequence[str] | None = None
    as_of: dt.date | None = None
    period_months: int | None = None
    min_segment_size: int | None = None
    gross_margin: float | None = None
    timezone: str | None = None
    max_rejected: float | None = None
    overrides: Sequence[str] = field(default_factory=list)
    clv_method: str | None = None
    discount_rate: float | None = None
    cohorts_by_segment: bool | None = None


def _paths(values: Sequence[PathLike] | None) -> list[Path]:
    return [Path(v) for v in values or []]


def read_config(path: PathLike | None) -> Config:
    return load_config(Path(path) if path is not None else None)


def load(
    files: Sequence[PathLike] = (),
    *,
    tables: dict[str, Sequence[PathLike]] | None = None,
    config: Config | None = None,
    timezone: str | None = None,
    max_rejected: float | None = None,
) -> Inputs:
    """Stage 1 alone: read, map, parse and validate the inputs (``segkit validate``)."""
    config = config or Config()
    options = LoadOptions(
        timezone=timezone or config.load.get("timezone", "UTC"),
        max_rejected=max_rejected if max_rejected is not None else float(config.load.get("max_rejected", 0.05)),
    )
    _check_timezone(options.timezone)
    explicit = {t: _paths(p) for t, p in (tables or {}).items() if p}
    return load_inputs(_paths(files), explicit, config, options)


def _check_timezone(name: str) -> None:
    try:
        pd.Timestamp("2020-01-01").tz_localize(name)
    except Exception:  # noqa: BLE001 - any failure means an unknown zone name
        raise UsageError(f"unknown timezone {name!r}; use an IANA name such as UTC or Europe/Berlin") from None


def parse_by(by: Sequence[str] | None) -> list[list[str]]:
    """``["firmographic*geographic", "value"]`` -> [["firmographic", "geographic"], ["value"]]."""
    if not by:
        return [[name] for name in DEFAULT_SEGMENTERS]
    out = []
    for item in by:
        for part in str(item).split(","):
            names = [n.strip() for n in part.split(CROSS)]
            if not part.strip() or not all(names):
                raise UsageError(f"--by takes NAME[,NAME...] or NAME*NAME to cross two; got {item!r}")
            out.append(names)
    return out


def build_segmenter(name: str, registry: Registry, config: Config) -> Segmenter:
    cls = registry.get(name)
    return cls(**config.segmenters.get(name, {}))


def _fit(segmenter: Segmenter, features: pd.DataFrame) -> Segmenter:
    return segmenter.fit(features)


def segment(
    files: Sequence[PathLike] = (),
    *,
    tables: dict[str, Sequence[PathLike]] | None = None,
    config: Config | PathLike | None = None,
    options: SegmentOptions | None = None,
    progress: Callable[[str], None] | None = None,
    **option_values: Any,
) -> Report:
    """The main job: load -> features -> segment -> metrics, as one Report.

    ``option_values`` are ``SegmentOptions`` fields, for notebook use:
    ``segment(files, by=["value"], as_of=date(2025, 12, 31))``.
    """
    options = options or SegmentOptions(**option_values)
    if not isinstance(config, Config):
        config = read_config(config)
    config = config.with_overrides(list(options.overrides))
    say = progress or (lambda message: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    start_wall = dt.datetime.now(dt.timezone.utc)

    def lap(stage: str, t0: float) -> float:
        now = time.perf_counter()
        timings[stage] = round(now - t0, 4)
        return now

    registry = discover()
    plan = parse_by(options.by)
    explicit_by = options.by is not None and len(options.by) > 0
    for names in plan:
        for name in names:
            registry.get(name)
        if len(names) > 2:
            raise UsageError(f"--by crosses two segmenters at most; got {'*'.join(names)}")

    t = time.perf_counter()
    say("loading inputs")
    timezone = options.timezone or config.load.get("timezone", "UTC")
    inputs = load(files, tables=tables, config=config, timezone=timezone, max_rejected=options.max_rejected)
    t = lap("load", t)

    engine = None
    if inputs.events is not None:
        users = inputs.frame("users")
        engine = EventEngine(inputs.events, timezone=timezone, users=users)
    try:
        if options.as_of is not None:
            as_of = pd.Timestamp(options.as_of).tz_localize("UTC")
        else:
            say("finding the latest date in the data (the default --as-of)")
            latest = latest_date(inputs, engine.max_timestamp() if engine else None)
            if latest is None:
                raise InputDataError("no dates in any input, so --as-of has no default; pass --as-of YYYY-MM-DD")
            as_of = latest.normalize()
        months = int(options.period_months or config.metrics.get("period_months", 12))
        if months < 1:
            raise UsageError(f"--period must be at least 1 month; got {months}")
        period = Period.ending(as_of, months)
        say("building features")
        features = build_features(inputs, period, as_of, engine, past_due=str(config.metrics.get("past_due", "include")))
        vsettings = value_settings(config, options)
        value_context = add_value_features(features, inputs, engine, vsettings)
    finally:
        if engine is not None:
            engine.close()
    features.frame.attrs["as_of"] = as_of
    t = lap("features", t)

    metric_options = MetricOptions(
        gross_margin=float(options.gross_margin if options.gross_margin is not None else config.metrics.get("gross_margin", 1.0)),
        min_segment_size=int(options.min_segment_size if options.min_segment_size is not None else config.metrics.get("min_segment_size", 5)),
        conversion_window_days=int(config.metrics.get("conversion_window_days", 90)),
        clv_method=vsettings.clv_method,
        discount_rate=vsettings.discount_rate,
        clv_horizon_months=vsettings.clv_horizon_months,
        clv_discount_simple=bool(config.metrics.get("clv_discount_simple", False)),
        clv_bootstrap=int_setting(config, "clv_bootstrap", 200, minimum=0),
        clv_seed=int_setting(config, "clv_seed", 0, minimum=0),
    )
    if not 0 < metric_options.gross_margin <= 1:
        raise UsageError(f"gross margin must be in (0, 1]; got {metric_options.gross_margin:g}")

    warnings: list[dict[str, str]] = [{"code": "plugin", "message": w} for w in registry.warnings]
    warnings.extend(value_context["warnings"])
    if metric_options.gross_margin == 1.0:
        warnings.append({"code": "gross_margin", "message": "gross margin is 1.0, so CLV is revenue CLV, not profit CLV; set metrics.gross_margin"})
    cohort_matrix = cohort_matrix_for(features, inputs, config)
    cohorts_by_segment = bool(options.cohorts_by_segment if options.cohorts_by_segment is not None else config.metrics.get("cohorts_by_segment", False))
    say("segmenting")
    segmentations: dict[str, Any] = {}
    assignments = pd.DataFrame({"account_id": features.frame.index.astype("string")})
    fitted: dict[str, Segmenter] = {}
    for names in plan:
        label_name = CROSS.join(names)
        try:
            parts = []
            for name in names:
                if name not in fitted:
                    fitted[name] = _fit(build_segmenter(name, registry, config), features.frame)
                parts.append(fitted[name])
        except InputDataError as exc:
            if explicit_by:
                raise
            warnings.append({"code": "segmenter_skipped", "message": f"{label_name}: skipped, {exc}"})
            continue
        labels, order = _combine(parts)
        segmentations[label_name] = {
            "params": {p.name: p.get_params() for p in parts} if len(parts) > 1 else parts[0].get_params(),
            "segments": compute_metrics(features, labels, order, metric_options),
            "quality": _quality(labels, parts, metric_options),
        }
        if cohort_matrix is not None and cohorts_by_segment:
            aligned = labels.reindex(features.frame.index).to_numpy()
            segmentations[label_name]["cohorts"] = {
                seg["segment"]: cohort_matrix.table(aligned == seg["segment"])
                for seg in segmentations[label_name]["segments"] if not seg.get("suppressed")
            }
        assignments[label_name] = labels.to_numpy()
    if not segmentations:
        raise InputDataError("no segmenter could run on these inputs; see the warnings, or name one with --by")
    overall = compute_metrics(features, None, [], metric_options)
    warnings.extend(clv_warnings(segmentations, overall))
    t = lap("segment_and_metrics", t)

    precision = int(config.output.get("float_precision", DEFAULT_FLOAT_PRECISION))
    stats = inputs.stats()
    data = {
        "schema_version": SCHEMA_VERSION,
        "segkit_version": __version__,
        "as_of": as_of.date().isoformat(),
        "period": {
            "start": period.start.date().isoformat(),
            "end": (period.end - pd.Timedelta(days=1)).date().isoformat(),
            "months": months,
            "note": PERIOD_NOTE,
        },
        "parameters": {
            "gross_margin": metric_options.gross_margin,
            "min_segment_size": metric_options.min_segment_size,
            "conversion_window_days": metric_options.conversion_window_days,
            "clv_method": metric_options.clv_method,
            "discount_rate": metric_options.discount_rate,
            "clv_horizon_months": metric_options.clv_horizon_months,
            "clv_discount_simple": metric_options.clv_discount_simple,
            "clv_bootstrap": metric_options.clv_bootstrap,
            "clv_ci_confidence": 0.95,
            "activation_event": vsettings.activation_event,
            "activation_days": vsettings.activation_days,
            "activation_start": vsettings.activation_start,
            "engagement_weights": list(vsettings.engagement_weights),
            "cohort_start": cohort_matrix.start if cohort_matrix is not None else None,
            "cohort_period": cohort_matrix.period if cohort_matrix is not None else None,
            "float_precision": precision,
            "timezone": timezone,
        },
        "inputs": {name: st.as_report() for name, st in sorted(stats.items())},
        "definitions": DEFINITIONS,
        "segmentations": segmentations,
        "overall": overall,
        "warnings": warnings,
    }
    if cohort_matrix is not None:
        data["cohorts"] = cohort_matrix.table()
    model = clv_model_report(value_context)
    if model:
        data["clv_model"] = model
    timings["total"] = round(time.perf_counter() - started, 4)
    run = {
        "started_at": start_wall.isoformat(),
        "timings_seconds": timings,
        "versions": _versions(),
        "segmenters": {name: info.origin for name, info in sorted(registry.segmenters.items())},
    }
    rejected = inputs.rejections.frame()
    return Report(data=data, assignments=assignments.sort_values("account_id", kind="stable").reset_index(drop=True), rejected=rejected, run=run)


def _combine(parts: list[Segmenter]) -> tuple[pd.Series, list[str]]:
    if len(parts) == 1:
        return parts[0].labels_, list(parts[0].segments_)
    a, b = parts
    labels = (a.labels_.astype("string") + " × " + b.labels_.astype("string")).rename(f"{a.name}{CROSS}{b.name}")
    order = [f"{x} × {y}" for x in a.segments_ for y in b.segments_]
    present = set(labels.unique())
    return labels, [s for s in order if s in present]


def _quality(labels: pd.Series, parts: list[Segmenter], options: MetricOptions) -> dict[str, Any]:
    counts = labels.value_counts()
    quality: dict[str, Any] = {
        "segments": int(len(counts)),
        "suppressed_segments": int((counts < options.min_segment_size).sum()),
        "unknown_accounts": int(labels.str.contains(UNKNOWN, regex=False).sum()),
    }
    for part in parts:
        extra = part.describe()
        if extra:
            quality[part.name] = extra
    return quality


def _versions() -> dict[str, str]:
    import duckdb
    import pyarrow
    import sklearn

    return {
        "segkit": __version__,
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
        "duckdb": duckdb.__version__,
        "scikit-learn": sklearn.__version__,
    }


METRIC_NEEDS = {
    "customers, churn_rate, monthly_churn_rate, mrr, arpa, clv": [("subscriptions", "account_id")],
    "conversion_rate": [("accounts", "created_at"), ("subscriptions", "account_id")],
    "nps": [("surveys", "score")],
    "firmographic segments": [("accounts", "employees|annual_revenue|industry")],
    "geographic segments": [("accounts", "country")],
    "usage features": [("events", "event")],
    "activation_rate, engagement_score": [("events", "event")],
    "clv by bgnbd": [("invoices", "amount_paid")],
}


def validate(
    files: Sequence[PathLike] = (),
    *,
    tables: dict[str, Sequence[PathLike]] | None = None,
    config: Config | PathLike | None = None,
    timezone: str | None = None,
) -> dict[str, Any]:
    """What would be read, used and rejected, and why; what each metric still lacks."""
    if not isinstance(config, Config):
        config = read_config(config)
    timezone = timezone or config.load.get("timezone", "UTC")
    inputs = load(files, tables=tables, config=config, timezone=timezone, max_rejected=1.0)
    ranges: dict[str, list[str]] = {}
    if inputs.events is not None:
        engine = EventEngine(inputs.events, timezone=timezone, users=inputs.frame("users"))
        try:
            latest = engine.max_timestamp()
            known = pd.Index(inputs.frame("accounts")["account_id"]) if inputs.frame("accounts") is not None else None
            if latest is not None:
                frame = engine.features(latest.date(), known, inputs.rejections).frame
                if len(frame):
                    ranges["events"] = [frame["first_seen"].min().isoformat(), frame["last_seen"].max().isoformat()]
        finally:
            engine.close()
    for name, data in inputs.tables.items():
        stamps = [data.frame[c] for c in data.frame.columns if isinstance(data.frame[c].dtype, pd.DatetimeTZDtype)]
        values = pd.concat(stamps).dropna() if stamps else pd.Series(dtype="datetime64[us, UTC]")
        if len(values):
            ranges[name] = [values.min().isoformat(), values.max().isoformat()]
    report_inputs = {}
    for name, st in sorted(inputs.stats().items()):
        item = st.as_report()
        item["columns"] = dict(sorted(st.columns.items()))
        item["date_range"] = ranges.get(name)
        report_inputs[name] = item
    missing: dict[str, str] = {}
    for metric, needs in METRIC_NEEDS.items():
        lacking = [
            f"{table}.{column.replace('|', ' or ')}"
            for table, column in needs
            if table not in report_inputs or not any(c in report_inputs[table]["columns"] for c in column.split("|"))
        ]
        if lacking:
            missing[metric] = ", ".join(lacking)
    return {"inputs": report_inputs, "missing_for_metrics": missing}


def write_outputs(report: Report, out_dir: PathLike) -> list[Path]:
    """Write report.json, segments.csv, assignments.{parquet,csv}, rejected.csv, report.html, run.json."""
    return _write_outputs(report, Path(out_dir))


def list_segmenters() -> list[dict[str, Any]]:
    """The registry: each segmenter with its origin, description and parameters with defaults."""
    registry = discover()
    out = []
    for name, info in sorted(registry.segmenters.items()):
        out.append(
            {
                "name": name,
                "origin": info.origin,
                "description": info.cls.description,
                "required_columns": list(info.cls.required_columns),
                "parameters": {
                    pname: {"default": spec.default, "doc": spec.doc, "expected": spec.expected}
                    for pname, spec in info.cls.parameters.items()
                },
            }
        )
    return out


def registry_warnings() -> list[str]:
    return list(discover().warnings)


def sample(out_dir: PathLike, *, accounts: int = 300, seed: int = 7) -> list[Path]:
    """Write realistic sample exports with planted effects (see ``segkit.sample``)."""
    from segkit.sample.generator import write_sample

    return write_sample(Path(out_dir), accounts=accounts, seed=seed)


def fit_clv(path: PathLike, *, model: str = "bgnbd", **options: Any) -> dict[str, Any]:
    """``segkit clv``: BG/NBD + Gamma-Gamma on a transaction file (see ``segkit.modelfits``)."""
    from segkit.modelfits import fit_clv_file

    if model != "bgnbd":
        raise UsageError(f"--model takes bgnbd for transactions; got {model!r} (use `segkit retention --model sbg` for renewals)")
    return fit_clv_file(path, **options)


def fit_retention(path: PathLike, *, model: str = "sbg", **options: Any) -> dict[str, Any]:
    """``segkit retention``: the sBG on a survival table or per-customer file (see ``segkit.modelfits``)."""
    from segkit.modelfits import fit_retention_file

    if model != "sbg":
        raise UsageError(f"--model takes sbg for contractual retention; got {model!r}")
    return fit_retention_file(path, **options)


__all__ = [
    "FeatureSet",
    "Report",
    "SegmentOptions",
    "fit_clv",
    "fit_retention",
    "list_segmenters",
    "load",
    "read_config",
    "sample",
    "segment",
    "validate",
    "write_outputs",
]

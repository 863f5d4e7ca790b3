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
from segkit.features import FeatureSet, Period, build_features, latest_date
from segkit.features.value.fits import add_value_features
from segkit.loading import Inputs, LoadOptions, load_inputs
from segkit.metrics import DEFINITIONS, MetricOptions, compute_metrics
from segkit.metrics.definitions import PERIOD_NOTE
from segkit.metrics.quality import QUALITY_DEFINITIONS, segment_quality
from segkit.value import clv_model_report, clv_warnings, cohort_matrix_for, int_setting, value_settings
from segkit.report import DEFAULT_FLOAT_PRECISION, SCHEMA_VERSION, Report
from segkit.segmenters import Registry, Segmenter, discover
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
    read: dict[str, Any] = field(default_factory=dict)  # reading overrides: see READ_OPTIONS
    clv_method: str | None = None
    discount_rate: float | None = None
    cohorts_by_segment: bool | None = None
    engine: str | None = None  # event-feature engine: duckdb (default) or spark (issue #6)
    spark_master: str | None = None  # --engine spark: local[2] (default), spark://HOST:PORT, yarn, k8s://...


def _paths(values: Sequence[PathLike] | None) -> list[Path]:
    return [Path(v) for v in values or []]


def read_config(path: PathLike | None) -> Config:
    return load_config(Path(path) if path is not None else None)


#: Reading overrides (``--encoding`` ...), each also a ``[load]`` key in segkit.toml.
READ_OPTIONS = ("encoding", "delimiter", "decimal", "date_format", "ranges", "duplicates", "amount_unit", "group_key")


def load_options(config: Config, *, timezone: str | None = None, max_rejected: float | None = None,
                 as_of: dt.date | None = None, read: dict[str, Any] | None = None) -> LoadOptions:
    """LoadOptions from the command line, then ``[load]`` in the config, then the defaults."""
    values: dict[str, Any] = {}
    for name in READ_OPTIONS:
        value = (read or {}).get(name)
        if value is None:
            value = config.load.get(name)
        if value is not None:
            values[name] = value
    raw_max = max_rejected if max_rejected is not None else config.load.get("max_rejected", 0.05)
    try:
        max_share = float(raw_max)
    except (TypeError, ValueError):
        raise UsageError(f"max_rejected takes a fraction such as 0.05; got {raw_max!r}") from None
    return LoadOptions(
        timezone=timezone or config.load.get("timezone", "UTC"),
        max_rejected=max_share,
        as_of=pd.Timestamp(as_of) if as_of is not None else None,
        **values,
    )


def load(
    files: Sequence[PathLike] = (),
    *,
    tables: dict[str, Sequence[PathLike]] | None = None,
    config: Config | None = None,
    timezone: str | None = None,
    max_rejected: float | None = None,
    as_of: dt.date | None = None,
    read: dict[str, Any] | None = None,
) -> Inputs:
    """Stage 1 alone: read, map, parse and validate the inputs (``segkit validate``)."""
    config = config or Config()
    options = load_options(config, timezone=timezone, max_rejected=max_rejected, as_of=as_of, read=read)
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


def event_engine(inputs: Inputs, config: Config, options: SegmentOptions, timezone: str, *, progress: bool = False) -> Any:
    """The event-feature engine of a run (``--engine``, ``[load]`` engine settings), or None without events."""
    if inputs.events is None:
        return None
    from segkit.features.events.registry import make_engine

    threads = config.load.get("threads")
    return make_engine(
        inputs.events,
        engine=options.engine or config.load.get("engine"),
        timezone=timezone,
        users=inputs.frame("users"),
        spark_master=options.spark_master or config.load.get("spark_master"),
        threads=int(threads) if threads else None,
        memory_limit=config.load.get("memory_limit"),
        temp_directory=config.load.get("temp_directory"),
        progress=progress,
    )


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
    inputs = load(
        files, tables=tables, config=config, timezone=timezone, max_rejected=options.max_rejected,
        as_of=options.as_of, read=options.read,
    )
    t = lap("load", t)

    extras = sorted({x for names in plan for name in names for x in getattr(registry.get(name), "extra_features", ())})
    vsettings = value_settings(config, options)
    features, value_context = _build_features(
        inputs, config, options, timezone, extras, say, vsettings, progress=progress is not None
    )
    as_of, period, months = features.as_of, features.period, features.months
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
    warnings.extend({"code": "input", "message": note} for st in inputs.stats().values() for note in st.notes)
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
        rows = compute_metrics(features, labels, order, metric_options)
        segmentations[label_name] = {
            "params": {p.name: p.get_params() for p in parts} if len(parts) > 1 else parts[0].get_params(),
            "segments": rows,
            "quality": segment_quality(features, labels, parts, metric_options, rows, order),
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
        "definitions": {**DEFINITIONS, **QUALITY_DEFINITIONS},
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


def _build_features(
    inputs: Inputs,
    config: Config,
    options: SegmentOptions,
    timezone: str,
    extras: Sequence[str],
    say: Callable[[str], None],
    vsettings: Any = None,
    progress: bool = False,
) -> tuple[FeatureSet, dict[str, Any]]:
    """Stage 2 for segment(), feature_set() and icp(): as-of, period, then the feature frame.

    With ``vsettings`` the value features (renewals, activation, CLV fits) are added while the
    event engine is still open; their fits and warnings come back as the second item.
    """
    engine = event_engine(inputs, config, options, timezone, progress=progress)
    try:
        if options.as_of is not None:
            as_of = pd.Timestamp(options.as_of).tz_localize("UTC")
        else:
            say("finding the latest date in the data (the default --as-of)")
            latest = latest_date(inputs, engine.max_timestamp() if engine else None)
            if latest is None and config.metrics.get("as_of") is not None:
                latest = _config_as_of(config.metrics["as_of"])
            if latest is None:
                raise InputDataError(
                    "no dates in any input, so --as-of has no default; pass --as-of YYYY-MM-DD or set metrics.as_of"
                )
            as_of = latest.normalize()
        months = int(options.period_months or config.metrics.get("period_months", 12))
        if months < 1:
            raise UsageError(f"--period must be at least 1 month; got {months}")
        period = Period.ending(as_of, months)
        say("building features")
        features = build_features(
            inputs, period, as_of, engine, past_due=str(config.metrics.get("past_due", "include")),
            flat_churn_window_months=float(config.metrics.get("flat_churn_window_months", 1.0)),
            extras=list(extras),
        )
        value_context: dict[str, Any] = {"warnings": []}
        if vsettings is not None:
            value_context = add_value_features(features, inputs, engine, vsettings)
    finally:
        if engine is not None:
            engine.close()
    features.frame.attrs["as_of"] = as_of
    features.months = months
    return features, value_context


def _config_as_of(value: Any) -> pd.Timestamp:
    """``metrics.as_of`` (a TOML date or a YYYY-MM-DD string) as a UTC timestamp."""
    try:
        return pd.Timestamp(dt.date.fromisoformat(str(value))).tz_localize("UTC")
    except ValueError:
        raise UsageError(f"metrics.as_of takes a date as YYYY-MM-DD; got {value!r}") from None


def _combine(parts: list[Segmenter]) -> tuple[pd.Series, list[str]]:
    if len(parts) == 1:
        return parts[0].labels_, list(parts[0].segments_)
    a, b = parts
    labels = (a.labels_.astype("string") + " × " + b.labels_.astype("string")).rename(f"{a.name}{CROSS}{b.name}")
    order = [f"{x} × {y}" for x in a.segments_ for y in b.segments_]
    present = set(labels.unique())
    return labels, [s for s in order if s in present]


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


def validate(
    files: Sequence[PathLike] = (),
    *,
    tables: dict[str, Sequence[PathLike]] | None = None,
    config: Config | PathLike | None = None,
    timezone: str | None = None,
    max_rejected: float | None = None,
    as_of: dt.date | None = None,
    read: dict[str, Any] | None = None,
    engine: str | None = None,
) -> dict[str, Any]:
    """Per file: preset and table, rows read/used/rejected and why, dates, what metrics lack.

    A file that cannot be used at all is listed with its error instead of stopping the check;
    ``ok`` is false when any file failed or rejected more than ``max_rejected`` of its rows.
    """
    from segkit.loading.inspect import validate_inputs

    if not isinstance(config, Config):
        config = read_config(config)
    options = load_options(config, timezone=timezone, max_rejected=max_rejected, as_of=as_of, read=read).checked()
    _check_timezone(options.timezone)
    explicit = {t: _paths(p) for t, p in (tables or {}).items() if p}
    from segkit.features.events.registry import make_engine  # validate counts events with the run's --engine

    def open_engine(events: Any, users: Any) -> Any:
        return make_engine(events, engine=engine or config.load.get("engine"), timezone=options.timezone, users=users,
                           spark_master=config.load.get("spark_master"))

    return validate_inputs(_paths(files), explicit, config, options, open_engine=open_engine)


def init_config(
    files: Sequence[PathLike] = (),
    *,
    tables: dict[str, Sequence[PathLike]] | None = None,
    output: PathLike = "segkit.toml",
    force: bool = False,
    read: dict[str, Any] | None = None,
) -> Path:
    """Write a commented ``segkit.toml`` with the mapping detected from each file's header."""
    from segkit.errors import OutputError
    from segkit.loading.inspect import init_config as _init_text

    target = Path(output)
    if target.exists() and not force:
        raise UsageError(f"{target} exists; pass --force to overwrite it, or --output another file")
    options = load_options(Config(), read=read).checked()
    explicit = {t: _paths(p) for t, p in (tables or {}).items() if p}
    if not files and not explicit:
        raise UsageError("segkit init needs the export files to look at: segkit init companies.csv subscriptions.csv ...")
    text = _init_text(_paths(files), explicit, Config(), options, output=target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.tmp")
        temp.write_text(text, encoding="utf-8")
        temp.replace(target)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write the config ({exc.strerror or exc})") from None
    return target


def write_outputs(report: Report, out_dir: PathLike) -> list[Path]:
    """Write report.json, segments.csv, assignments.{parquet,csv}, rejected.csv, report.html, run.json."""
    return _write_outputs(report, Path(out_dir))


def feature_set(
    files: Sequence[PathLike] = (),
    *,
    tables: dict[str, Sequence[PathLike]] | None = None,
    config: Config | PathLike | None = None,
    options: SegmentOptions | None = None,
    extras: Sequence[str] = (),
    **option_values: Any,
) -> FeatureSet:
    """Stages 1-2 alone: the per-account feature frame (for notebooks, ``icp`` and custom segmenters).

    As-of, period and timezone follow ``segment``; ``extras`` names optional feature groups
    (``segkit.features.extra.EXTRA_FEATURES``).
    """
    options = options or SegmentOptions(**option_values)
    if not isinstance(config, Config):
        config = read_config(config)
    config = config.with_overrides(list(options.overrides))
    timezone = options.timezone or config.load.get("timezone", "UTC")
    inputs = load(
        files, tables=tables, config=config, timezone=timezone, max_rejected=options.max_rejected,
        as_of=options.as_of, read=options.read,
    )
    features, _ = _build_features(inputs, config, options, timezone, list(extras), lambda message: None)
    return features


def icp(
    files: Sequence[PathLike] = (),
    *,
    tables: dict[str, Sequence[PathLike]] | None = None,
    config: Config | PathLike | None = None,
    options: SegmentOptions | None = None,
    top_share: float = 0.25,
    min_tenure_months: float = 6.0,
    min_accounts: int = 3,
    columns: Sequence[str] | None = None,
    **option_values: Any,
) -> dict[str, Any]:
    """The ideal customer profile: attribute values that over-index among top-value retained accounts."""
    from segkit.metrics.icp import ideal_customer_profile

    if not 0 < top_share <= 1:
        raise UsageError(f"--top-share must be in (0, 1]; got {top_share:g}")
    if min_tenure_months < 0:
        raise UsageError(f"--min-tenure-months must be 0 or more; got {min_tenure_months:g}")
    features = feature_set(files, tables=tables, config=config, options=options, **option_values)
    if not features.has_billing:
        raise InputDataError("icp needs subscriptions (MRR and paying customers) among the inputs")
    return ideal_customer_profile(
        features.frame, top_share=top_share, min_tenure_months=min_tenure_months, min_accounts=min_accounts, columns=list(columns or []) or None
    )


def convert(
    files: Sequence[PathLike] = (),
    *,
    out: PathLike,
    tables: dict[str, Sequence[PathLike]] | None = None,
    config: Config | PathLike | None = None,
    timezone: str | None = None,
    max_rejected: float | None = None,
    as_of: dt.date | None = None,
    read: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the inputs of one table, mapped to segkit's canonical columns, as one Parquet file.

    For repeated runs over a large CSV or JSON Lines event log: the Parquet file keeps only the
    mapped columns, typed (UTC timestamps), and is read by ``segment`` without parsing. Rows are
    accounted as ``segment`` would (``rows_read = rows_used + rows_rejected``); rejected rows are
    not written and are returned under ``rejected`` (a frame, as in rejected.csv). Events are
    checked against ``as_of`` only when it is given; duplicate event ids are kept (the event id is
    written, so ``segment`` still removes them).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from segkit.errors import OutputError

    if not isinstance(config, Config):
        config = read_config(config)
    timezone = timezone or config.load.get("timezone", "UTC")
    inputs = load(files, tables=tables, config=config, timezone=timezone, max_rejected=max_rejected, as_of=as_of, read=read)
    present = sorted(set(inputs.tables) | ({"events"} if inputs.events is not None else set()))
    if len(present) != 1:
        raise UsageError(f"segkit convert writes one table per call; these files hold: {', '.join(present) or 'nothing'}")
    table = present[0]
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.tmp")
    try:
        if table == "events":
            from segkit.features.events.registry import convert_events

            written = convert_events(inputs.events, temp, inputs.rejections, timezone=timezone, as_of=as_of,
                                     users=inputs.frame("users"))
        else:
            frame = inputs.frame(table)
            frame = frame[[c for c in frame.columns if not str(c).startswith("_")]]
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), temp, compression="zstd")
            written = len(frame)
        temp.replace(target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc})") from None
    stats = inputs.stats()[table]
    return {"table": table, "out": str(target), "rows_written": int(written), "input": stats.as_report(),
            "rejected": inputs.rejections.frame()}


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
    "convert",
    "feature_set",
    "icp",
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
    "init_config",
    "write_outputs",
]

"""``segment``: load -> features -> segment -> metrics -> report, as one Report."""

from __future__ import annotations

import datetime as dt
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from segkit import __version__
from segkit.config import Config
from segkit.errors import InputDataError, UsageError
from segkit.features import FeatureSet
from segkit.features.value.model import ValueWarning
from segkit.jobs.settings import CLV_CI_CONFIDENCE, SegmentOptions, Settings, resolve_settings
from segkit.jobs.stages import PathLike, Progress, TableFiles, as_config, features_for, load_with
from segkit.loading import Inputs
from segkit.metrics import DEFINITIONS, PERIOD_NOTE, compute_metrics
from segkit.metrics.checks import plausibility_checks
from segkit.metrics.cohorts import CohortMatrix
from segkit.metrics.quality import QUALITY_DEFINITIONS, segment_quality
from segkit.metrics.survival import SURVIVAL_DEFINITION, account_lifetimes, segmentation_survival
from segkit.report import Report
from segkit.report.builder import build_report, clv_warnings
from segkit.report.parts import ClvModelPart, Parameters, PeriodPart, ReportParts, ReportWarning, SegmentationPart
from segkit.segmenters import Registry, Segmenter, discover

DEFAULT_SEGMENTERS = ("firmographic", "geographic", "value")
CROSS = "*"


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


def _plan(registry: Registry, by: Sequence[str] | None, config: Config | None = None) -> list[list[str]]:
    plan = parse_by(by)
    for names in plan:
        for name in names:
            registry.get(name)
        if len(names) > 2:
            raise UsageError(f"--by crosses two segmenters at most; got {'*'.join(names)}")
    return expand_columns(plan, config or Config())


#: A segmentation of one of several columns: ``attribute:plan`` is the attribute segmenter on plan.
COLUMN_SEP = ":"


def expand_columns(plan: list[list[str]], config: Config) -> list[list[str]]:
    """``attribute`` with ``segmenters.attribute.columns = ["plan", "industry"]`` is one segmentation per column."""
    out = []
    for names in plan:
        columns = config.segmenters.get(names[0], {}).get("columns") if len(names) == 1 else None
        if columns and isinstance(columns, list):
            out += [[f"{names[0]}{COLUMN_SEP}{column}"] for column in columns]
        else:
            out.append(names)
    return out


def build_segmenter(name: str, registry: Registry, config: Config) -> Segmenter:
    base, _, column = name.partition(COLUMN_SEP)
    cls = registry.get(base)
    params = dict(config.segmenters.get(base, {}))
    columns = params.pop("columns", None)
    if columns is not None and not (isinstance(columns, list) and all(isinstance(c, str) and c for c in columns)):
        raise UsageError(f"segmenters.{base}.columns must be a list of column names. Got {columns!r} instead.")
    if column:
        params["column"] = column
    return cls(**params)


def _combine(parts: list[Segmenter]) -> tuple[pd.Series, list[str]]:
    if len(parts) == 1:
        return parts[0].labels_, list(parts[0].segments_)
    a, b = parts
    labels = (a.labels_.astype("string") + " × " + b.labels_.astype("string")).rename(f"{a.name}{CROSS}{b.name}")
    order = [f"{x} × {y}" for x in a.segments_ for y in b.segments_]
    present = set(labels.unique())
    return labels, [s for s in order if s in present]


def cohort_matrix_for(features: FeatureSet, inputs: Inputs, settings: Settings) -> CohortMatrix | None:
    from segkit.features.billing.source import billing_of  # FeatureSet.billing: computed once by build_features

    billing = features.billing or billing_of(inputs, past_due=settings.past_due)
    if billing.paying is None:
        return None
    return CohortMatrix(features.frame, billing.paying, features.period.end, start=settings.cohort_start, period=settings.cohort_period)


@dataclass
class _Segmented:
    segmentations: dict[str, SegmentationPart] = field(default_factory=dict)
    assignments: dict[str, np.ndarray] = field(default_factory=dict)  # label column per segmentation
    warnings: list[ReportWarning] = field(default_factory=list)
    survival: dict[str, dict[str, Any]] = field(default_factory=dict)  # per segmentation, with paying rows


def _survival_of(features: FeatureSet, labels: pd.Series, settings: Settings, lifetimes: pd.DataFrame | None) -> dict[str, Any] | None:
    """Kaplan-Meier, log-rank and restricted mean lifetime per segment, from the billing spells."""
    result = segmentation_survival(None, labels, features.as_of, min_accounts=settings.metrics.min_segment_size,
                                   horizon_months=settings.survival_horizon_months, lifetimes=lifetimes)
    return None if result is None else result.to_dict()


def _segment_all(plan: list[list[str]], explicit_by: bool, built: dict[str, Segmenter], features: FeatureSet,
                 settings: Settings, cohorts: CohortMatrix | None) -> _Segmented:
    """Fit each planned segmenter (once each, crosses reuse them) and compute its segments' metrics."""
    out = _Segmented()
    fitted: dict[str, Segmenter] = {}
    billing = features.billing
    lifetimes = account_lifetimes(billing.paying if billing is not None else None, features.as_of,
                                  billing.spells if billing is not None else None)
    for names in plan:
        label_name = CROSS.join(names)
        try:
            for name in names:
                if name not in fitted:
                    fitted[name] = built[name].fit(features.frame)
        except InputDataError as exc:
            if explicit_by:
                raise
            out.warnings.append(ReportWarning("segmenter_skipped", f"{label_name}: skipped, {exc}"))
            continue
        parts = [fitted[name] for name in names]
        labels, order = _combine(parts)
        rows = compute_metrics(features, labels, order, settings.metrics)
        part = SegmentationPart(
            params={p.name: p.get_params() for p in parts} if len(parts) > 1 else parts[0].get_params(),
            segments=rows,
            quality=segment_quality(features, labels, parts, settings.metrics, rows, order),
            labels_read_at={p.name: p.labels_read_at() for p in parts} if len(parts) > 1 else parts[0].labels_read_at(),
            defined_by_outcome={k: v for p in parts for k, v in p.defined_by().items()},
        )
        out.warnings.extend(_read_after_outcome(label_name, parts))
        out.warnings.extend(_usage_before_the_log(label_name, parts, features))
        if cohorts is not None and settings.cohorts_by_segment:
            aligned = labels.reindex(features.frame.index).to_numpy()
            part.cohorts = {seg["segment"]: cohorts.table(aligned == seg["segment"]) for seg in rows if not seg.get("suppressed")}
        out.segmentations[label_name] = part
        survival = _survival_of(features, labels, settings, lifetimes)
        if survival is not None:
            out.survival[label_name] = survival
        out.assignments[label_name] = labels.to_numpy()
    if not out.segmentations:
        raise InputDataError("no segmenter could run on these inputs; see the warnings, or name one with --by")
    return out


def _read_after_outcome(label_name: str, parts: list[Segmenter]) -> list[ReportWarning]:
    """SPEC 4: time-varying labels read at as-of are derived from the outcome; say so in every output."""
    out = []
    for part in parts:
        if part.labels_read_at() != "as_of":
            continue
        fix = (f'set segmenters.{part.name}.at = "period_start"' if "at" in part.parameters
               else "this segmenter cannot read them at the period start yet")
        out.append(ReportWarning("labels_after_outcome", f"{label_name}: the {part.name} labels are read at as-of, after the "
                                 f"period's churn, so the segmentation is derived from the outcome ({fix})"))
    return out


#: Events in the 90 days before the period start below this share of those in the last 90 days:
#: the log hardly covers the start (a truncated export), so usage read there is missing data.
SPARSE_USAGE_SHARE = 0.1


def _usage_before_the_log(label_name: str, parts: list[Segmenter], features: FeatureSet) -> list[ReportWarning]:
    """Usage read at the period start needs events from before it: say so when there are hardly any."""
    frame = features.frame
    readers = [p.name for p in parts if p.labels_read_at() == "period_start" and "events_at_start" in p.feature_groups()]
    windows = ("events_30", "events_prior_60")
    if not readers or not all(c in frame and f"at_start:{c}" in frame for c in windows):
        return []
    recent = float(sum(frame[c].sum() for c in windows))
    before = float(sum(frame[f"at_start:{c}"].sum() for c in windows))
    if not recent or before >= SPARSE_USAGE_SHARE * recent:
        return []
    return [ReportWarning("usage_before_events", (
        f"{label_name}: the {', '.join(readers)} labels read usage in the 90 days before the period start "
        f"({features.period.start.date()}), where the events hold {before:,.0f} events against {recent:,.0f} in the last 90 "
        "days: the log hardly covers the start, so accounts read as unused there may lack data, not use; "
        "load the earlier events, or set at = \"as_of\" (derived from the outcome)"))]


def _parameters(settings: Settings, cohorts: CohortMatrix | None) -> Parameters:
    m, v = settings.metrics, settings.value
    return Parameters(
        gross_margin=m.gross_margin, min_segment_size=m.min_segment_size, conversion_window_days=m.conversion_window_days,
        clv_method=m.clv_method, discount_rate=m.discount_rate, clv_horizon_months=m.clv_horizon_months,
        clv_discount_simple=m.clv_discount_simple, clv_bootstrap=m.clv_bootstrap, clv_ci_confidence=CLV_CI_CONFIDENCE,
        activation_event=v.activation_event, activation_days=v.activation_days, activation_start=v.activation_start,
        engagement_weights=v.engagement_weights,
        cohort_start=cohorts.start if cohorts is not None else None,
        cohort_period=cohorts.period if cohorts is not None else None,
        float_precision=settings.float_precision, timezone=settings.timezone,
    )


def _input_warnings(registry: Registry, inputs: Inputs, value_warnings: list[ValueWarning], settings: Settings) -> list[ReportWarning]:
    warnings = [ReportWarning("plugin", w) for w in plugin_warnings(registry)]
    warnings.extend(ReportWarning("input", note) for st in inputs.stats().values() for note in st.notes)
    warnings.extend(ReportWarning(w.code, w.message) for w in value_warnings)
    if settings.metrics.gross_margin == 1.0:
        warnings.append(ReportWarning("gross_margin", "gross margin is 1.0, so CLV is revenue CLV, not profit CLV; set metrics.gross_margin"))
    return warnings


class _Timer:
    """Wall-clock seconds per stage, for run.json only."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.started_at = dt.datetime.now(dt.timezone.utc)
        self.last = self.started
        self.timings: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = round(now - self.last, 4)
        self.last = now

    def run_info(self, registry: Registry) -> dict[str, Any]:
        self.timings["total"] = round(time.perf_counter() - self.started, 4)
        return {
            "started_at": self.started_at.isoformat(),
            "timings_seconds": self.timings,
            "versions": _versions(),
            "segmenters": {name: info.origin for name, info in sorted(registry.segmenters.items())},
        }


def segment(
    files: Sequence[PathLike] = (),
    *,
    tables: TableFiles | None = None,
    config: Config | PathLike | None = None,
    options: SegmentOptions | None = None,
    progress: Progress | None = None,
    **option_values: Any,
) -> Report:
    """The main job: load -> features -> segment -> metrics, as one Report.

    ``option_values`` are ``SegmentOptions`` fields, for notebook use:
    ``segment(files, by=["value"], as_of=date(2025, 12, 31))``.
    """
    options = options or SegmentOptions(**option_values)
    config = as_config(config).with_overrides(list(options.overrides))
    say = progress or (lambda message: None)
    timer = _Timer()
    registry = discover()
    plan = _plan(registry, options.by, config)
    settings = resolve_settings(config, options)
    say("loading inputs")
    inputs = load_with(files, tables, config, settings.load)
    timer.lap("load")
    built_segmenters = {name: build_segmenter(name, registry, config) for names in plan for name in names}
    extras = sorted({x for seg in built_segmenters.values() for x in seg.feature_groups()})
    built = features_for(inputs, settings, extras, say, with_value=True, progress=progress is not None)
    features = built.features
    timer.lap("features")
    warnings = _input_warnings(registry, inputs, built.value_fits.warnings, settings)
    cohorts = cohort_matrix_for(features, inputs, settings)
    say("segmenting")
    segmented = _segment_all(plan, bool(options.by), built_segmenters, features, settings, cohorts)
    overall = compute_metrics(features, None, [], settings.metrics)
    timer.lap("segment_and_metrics")
    parts = ReportParts(
        segkit_version=__version__,
        period=PeriodPart(features.as_of, features.period.start, features.period.end, features.months, PERIOD_NOTE,
                          features.as_of_source),
        parameters=_parameters(settings, cohorts),
        inputs={name: st.as_report() for name, st in sorted(inputs.stats().items())},
        definitions={**DEFINITIONS, **QUALITY_DEFINITIONS, **({"survival": SURVIVAL_DEFINITION} if segmented.survival else {})},
        segmentations=segmented.segmentations,
        overall=overall,
        warnings=warnings + segmented.warnings + clv_warnings(segmented.segmentations, overall),
        cohorts=cohorts.table() if cohorts is not None else None,
        clv_model=ClvModelPart.from_value_fits(built.value_fits),
        checks=[c.as_dict() for c in plausibility_checks(
            features, overall, {name: part.quality for name, part in segmented.segmentations.items()})],
        survival=segmented.survival or None,
        money=features.money.as_report(),
    )
    assignments = pd.DataFrame({"account_id": features.frame.index.astype("string"), **segmented.assignments})
    run = timer.run_info(registry)
    run["rows"] = {name: {key: value for key, value in item.items() if key.startswith("rows_")}
                   for name, item in parts.inputs.items()}  # rows_read = rows_used + rows_rejected + rows_after_as_of
    report = build_report(parts, assignments, inputs.rejections.frame(), run)
    report.account_facts = account_facts(features.frame, report.assignments)
    return report


#: Per-account facts the run history keeps for ``segkit diff`` (MRR bridge, churn and NRR explained).
HISTORY_FACTS = ("mrr", "active_at_start", "churned_in_period", "mrr_period_start", "mrr_period_end")


def account_facts(frame: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """Labels plus the facts of HISTORY_FACTS (and ever_paid), one row per account, for the history."""
    facts = frame.reindex(columns=[c for c in HISTORY_FACTS if c in frame])
    if "first_paid_at" in frame:
        facts = facts.assign(ever_paid=frame["first_paid_at"].notna().to_numpy())
    facts.index = facts.index.astype("string")
    return assignments.merge(facts, left_on="account_id", right_index=True, how="left")


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    import duckdb
    import pyarrow

    return {
        "segkit": __version__,
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
        "duckdb": duckdb.__version__,
        "scikit-learn": version("scikit-learn"),  # not sklearn.__version__: importing it costs ~0.4 s
    }


def plugin_warnings(registry: Registry) -> list[str]:
    """Every extension that failed to load (segmenters, presets, writers), for the run's warnings."""
    from segkit.loading.presets.registry import preset_registry
    from segkit.writers import writer_warnings

    return [*registry.warnings, *preset_registry().warnings, *writer_warnings()]

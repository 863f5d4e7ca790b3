"""The typed parts report.json is built from (SPEC section 6); each knows its JSON shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from segkit.features.value.model import ValueFits

#: A metric row of one segment (or of all accounts), as ``compute_metrics`` returns it.
MetricRow = dict[str, Any]


@dataclass(frozen=True)
class ReportWarning:
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class PeriodPart:
    as_of: pd.Timestamp
    start: pd.Timestamp
    end: pd.Timestamp  # exclusive, as in features.Period; report.json shows the last day
    months: int
    note: str
    #: what set as-of (report.json ``as_of_source``): --as-of, config, or the latest activity's table.column
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.date().isoformat(),
            "end": (self.end - pd.Timedelta(days=1)).date().isoformat(),
            "months": self.months,
            "note": self.note,
        }


@dataclass(frozen=True)
class Parameters:
    """The settings a reader needs to reproduce the figures (``parameters`` in report.json)."""

    gross_margin: float
    min_segment_size: int
    conversion_window_days: int
    clv_method: str
    discount_rate: float
    clv_horizon_months: int | None
    clv_discount_simple: bool
    clv_bootstrap: int
    clv_ci_confidence: float
    activation_event: str | None
    activation_days: int
    activation_start: str
    engagement_weights: tuple[float, ...]
    cohort_start: str | None
    cohort_period: str | None
    float_precision: int
    timezone: str

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["engagement_weights"] = list(self.engagement_weights)
        return out


@dataclass
class SegmentationPart:
    """One segmentation: its segmenter parameters, per-segment rows, quality, cohort tables."""

    params: dict[str, Any]
    segments: list[MetricRow]
    quality: dict[str, Any]
    cohorts: dict[str, Any] | None = None
    #: when the labels were read: period_start, as_of or static (per segmenter in a cross)
    labels_read_at: str | dict[str, str] = "static"
    #: outcome -> why the segmentation is defined by it (its figures per segment are circular)
    defined_by_outcome: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = {"params": self.params, "segments": self.segments, "quality": self.quality, "labels_read_at": self.labels_read_at}
        if self.defined_by_outcome:
            out["defined_by_outcome"] = self.defined_by_outcome
        if self.cohorts is not None:
            out["cohorts"] = self.cohorts
        return out


class FittedModel(Protocol):
    """What ``segkit.models`` fit results (BG/NBD, Gamma-Gamma) share."""

    params: Any  # a per-model NamedTuple of floats
    loglik: float
    n: float
    converged: bool
    message: str


@dataclass(frozen=True)
class FitSummary:
    """A maximum-likelihood fit as report.json states it (parameters named as in the papers)."""

    params: dict[str, float]
    loglik: float
    n: float
    converged: bool
    message: str

    @classmethod
    def of(cls, fit: FittedModel, names: tuple[str, ...]) -> FitSummary:
        return cls({n: float(getattr(fit.params, n)) for n in names}, float(fit.loglik), float(fit.n),
                   bool(fit.converged), fit.message)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ClvModelPart:
    """The whole-base BG/NBD and Gamma-Gamma fits of the bgnbd CLV method."""

    transactions: str
    fallback: str | None
    bgnbd: FitSummary | None
    gamma_gamma: FitSummary | None

    @classmethod
    def from_value_fits(cls, fits: ValueFits) -> ClvModelPart | None:
        """From the value features' fits (``features.value.fits.add_value_features``); None unless bgnbd ran."""
        if not fits.bgnbd_ran:
            return None
        bg, gg = fits.bgnbd_fit, fits.gamma_gamma_fit
        return cls(
            transactions=fits.bgnbd_transactions,
            fallback=fits.bgnbd_fallback or fits.bgnbd_no_spend,
            bgnbd=None if bg is None else FitSummary.of(bg, ("r", "alpha", "a", "b")),
            gamma_gamma=None if gg is None else FitSummary.of(gg, ("p", "q", "gamma")),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": "bgnbd", "transactions": self.transactions, "fallback": self.fallback,
            "bgnbd": None if self.bgnbd is None else self.bgnbd.as_dict(),
            "gamma_gamma": None if self.gamma_gamma is None else self.gamma_gamma.as_dict(),
        }


@dataclass
class ReportParts:
    """Everything report.json holds, typed; ``builder.report_data`` turns it into the contract."""

    segkit_version: str
    period: PeriodPart
    parameters: Parameters
    inputs: dict[str, dict[str, Any]]  # per table: InputStats.as_report()
    definitions: dict[str, str]
    segmentations: dict[str, SegmentationPart]
    overall: MetricRow
    warnings: list[ReportWarning] = field(default_factory=list)
    cohorts: dict[str, Any] | None = None
    clv_model: ClvModelPart | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)  # metrics.checks.Check.as_dict(), in order
    survival: dict[str, dict[str, Any]] | None = None  # per segmentation: SurvivalResult.to_dict()
    money: dict[str, Any] | None = None  # features.billing.fx.Money.as_report(): None without a reporting currency

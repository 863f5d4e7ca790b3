"""The segmenter conformance kit: the contract of ``segkit.segmenters.base``, checked on any class.

Run it on your own segmenter (no data needed: a synthetic feature frame is generated)::

    from segkit.testing import check_segmenter
    check_segmenter(MySegmenter)                       # raises AssertionError listing what failed
    check_segmenter(MySegmenter, params={"column": "industry"})

segkit's own suite runs it on every registered segmenter (``tests/segmenters/test_conformance.py``), the way
scikit-learn's ``check_estimator`` runs on every estimator. The checks:

- ``class_attributes``: a name, a description, declared ``parameters`` (``Param``), a tuple of
  ``required_columns``, known ``extra_features``;
- ``construct``: the defaults (or ``params``) construct; ``get_params`` returns every declared
  parameter and constructs an equal instance;
- ``unknown_parameter``: an undeclared parameter is a ``UsageError`` naming it;
- ``parameter_validation``: every parameter rejects a nonsense value with
  "The 'x' parameter of Y must be ... Got ... instead.";
- ``fit``: ``fit`` returns ``self``; ``labels_`` holds exactly one non-null string label per
  account, on the input's index; ``segments_`` lists exactly the labels present;
- ``deterministic``: a second instance fitted on the same frame gives the same labels;
- ``no_mutation``: ``fit`` leaves the frame (values, dtypes, attrs) and the parameters unchanged;
- ``required_columns``: without a declared required column ``fit`` raises ``InputDataError``;
- ``describe``: ``describe()`` after fitting is JSON-serialisable by the report writer.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from segkit.testing._runner import run_checks
from segkit.errors import InputDataError, UsageError
from segkit.features.at_start import AT_START_PREFIX
from segkit.features.extra import EXTRA_FEATURES, first_used_column
from segkit.report import clean_json
from segkit.segmenters.base import Param, Segmenter

AS_OF = pd.Timestamp("2025-12-31", tz="UTC")
PERIOD_START = pd.Timestamp("2025-01-01", tz="UTC")
EVENT_NAMES = ("Page Viewed", "Report Created", "Dashboard Shared", "Integration Connected", "Export Downloaded", "Alert Configured")
TOOLS = ("Salesforce", "HubSpot", "Slack", "Jira", "Zendesk", "Snowflake", "Segment", "Intercom")


class _Nonsense:
    """A value no parameter check should accept."""

    def __repr__(self) -> str:
        return "<nonsense value>"


@dataclass(frozen=True)
class _Draws:
    """The per-account random draws behind ``make_features`` (in the order they are drawn)."""

    employees: np.ndarray
    industry: np.ndarray
    country: np.ndarray
    created_days: np.ndarray
    paid: np.ndarray
    first_paid_days: np.ndarray
    active_at_start: np.ndarray
    hazard: np.ndarray
    nps_class: np.ndarray
    churned: np.ndarray
    is_customer: np.ndarray
    mrr_start: np.ndarray
    mrr: np.ndarray
    uses: np.ndarray
    intensity: np.ndarray
    active_days_90: np.ndarray
    active_days_30: np.ndarray
    events_30: np.ndarray
    events_prior_60: np.ndarray
    event_count: np.ndarray
    has_events: np.ndarray
    first_seen_days: np.ndarray
    last_seen_days: np.ndarray
    responses: np.ndarray
    promoters: np.ndarray
    detractors: np.ndarray
    scores: np.ndarray


def _draw(rng: np.random.Generator, n: int) -> _Draws:
    employees = np.clip(np.round(np.exp(rng.normal(4.5, 1.5, n))), 1, 50_000)
    industry = rng.choice(["Computer Software", "Financial Services", "Retail", "Education", "Health Care"], n)
    country = rng.choice(["United States", "Germany", "UK", "France", "Brazil", "Japan", "India", "Canada"], n)
    created_days = rng.uniform(40, 1400, n)
    paid = rng.random(n) < 0.6
    first_paid_days = np.where(paid, created_days - rng.uniform(1, 35, n), np.nan)
    active_at_start = paid & (first_paid_days > 365)
    hazard = np.where(employees < 100, 0.45, np.where(employees < 1000, 0.25, 0.1))
    nps_class = rng.choice(["promoter", "passive", "detractor"], n, p=[0.45, 0.3, 0.25])
    hazard = hazard * np.select([nps_class == "promoter", nps_class == "detractor"], [0.6, 1.6], 1.0)
    churned = active_at_start & (rng.random(n) < hazard)
    is_customer = paid & ~churned & (rng.random(n) < 0.97)
    mrr_start = np.where(active_at_start, np.round(employees ** 0.6 * rng.uniform(10, 40, n), 2), 0.0)
    mrr = np.where(is_customer, np.where(active_at_start, mrr_start * rng.choice([1.0, 1.0, 1.3, 0.8], n), np.round(employees ** 0.6 * rng.uniform(10, 40, n), 2)), 0.0)
    uses = paid | (rng.random(n) < 0.3)
    intensity = np.where(is_customer, rng.gamma(2.0, 4.0, n), np.where(churned, rng.gamma(1.0, 1.0, n), rng.gamma(1.0, 2.0, n))) * uses
    active_days_90 = np.minimum(90, rng.poisson(intensity * 3)).astype("int64")
    active_days_30 = np.minimum(np.minimum(30, active_days_90), rng.poisson(intensity)).astype("int64")
    events_30 = (active_days_30 * rng.uniform(1, 12, n)).round().astype("int64")
    events_prior_60 = ((active_days_90 - active_days_30) * rng.uniform(1, 12, n)).round().astype("int64")
    event_count = events_30 + events_prior_60 + rng.poisson(intensity * 40).astype("int64") * uses
    has_events = event_count > 0
    first_seen_days = np.where(has_events, np.minimum(created_days - 1, rng.uniform(100, 700, n)), np.nan)
    last_seen_days = np.where(has_events, np.where(events_30 > 0, rng.uniform(0, 10, n), rng.uniform(31, 200, n)), np.nan)
    last_seen_days = np.minimum(last_seen_days, first_seen_days)
    responses = np.where(rng.random(n) < 0.5, rng.integers(1, 4, n), 0)
    promoters = np.where(nps_class == "promoter", responses, np.where(nps_class == "passive", rng.binomial(responses, 0.2), 0))
    detractors = np.where(nps_class == "detractor", responses, 0)
    scores = np.select([nps_class == "promoter", nps_class == "passive"], [9.5, 7.5], 4.0)
    return _Draws(
        employees=employees, industry=industry, country=country, created_days=created_days, paid=paid,
        first_paid_days=first_paid_days, active_at_start=active_at_start, hazard=hazard, nps_class=nps_class,
        churned=churned, is_customer=is_customer, mrr_start=mrr_start, mrr=mrr, uses=uses,
        intensity=intensity, active_days_90=active_days_90, active_days_30=active_days_30,
        events_30=events_30, events_prior_60=events_prior_60, event_count=event_count, has_events=has_events,
        first_seen_days=first_seen_days, last_seen_days=last_seen_days, responses=responses,
        promoters=promoters, detractors=detractors, scores=scores,
    )


def _utc(ids: pd.Index, days_before_as_of: np.ndarray) -> pd.Series:
    stamps = AS_OF - pd.to_timedelta(days_before_as_of, unit="D")
    return pd.Series(stamps, index=ids).astype("datetime64[us, UTC]")


def _standard_columns(rng: np.random.Generator, ids: pd.Index, d: _Draws) -> pd.DataFrame:
    """The columns ``build_features`` gives every run."""
    n = len(ids)

    def utc(days: np.ndarray) -> pd.Series:
        return _utc(ids, days)

    return pd.DataFrame(
        {
            "name": pd.Series([f"Company {i}" for i in range(n)], index=ids, dtype="string"),
            "domain": pd.Series([f"company{i}.{rng.choice(['com', 'io', 'de', 'co.uk'])}" for i in range(n)], index=ids, dtype="string"),
            "created_at": utc(d.created_days),
            "industry": pd.Series(d.industry, index=ids, dtype="string"),
            "employees": pd.Series(d.employees, index=ids, dtype="Float64"),
            "annual_revenue": pd.Series(np.round(d.employees * rng.lognormal(11.6, 0.5, n), -3), index=ids, dtype="Float64"),
            "country": pd.Series(d.country, index=ids, dtype="string"),
            "lifecycle_stage": pd.Series(
                np.where(d.is_customer, "customer", np.where(d.paid, "other", rng.choice(["subscriber", "lead", "marketingqualifiedlead", "opportunity"], n))),
                index=ids, dtype="string",
            ),
            "technologies": pd.Series(
                [";".join(sorted(set(rng.choice(TOOLS, int(k), replace=False)))) or pd.NA for k in rng.integers(0, 5, n)],
                index=ids, dtype="string",
            ),
            "mrr": d.mrr.astype("float64"),
            "mrr_start": d.mrr_start.astype("float64"),
            "is_customer": d.is_customer,
            "active_at_start": d.active_at_start,
            "churned_in_period": d.churned,
            "first_paid_at": utc(d.first_paid_days),
            "churn_events": d.churned.astype("int64"),
            "customer_months": np.where(d.is_customer, 12.0, np.where(d.churned, rng.uniform(0, 12, n), 0.0)),
            "subscriptions": d.paid.astype("int64"),
            "event_count": d.event_count.astype("int64"),
            "distinct_users": np.where(d.has_events, rng.integers(1, 20, n), 0).astype("int64"),
            "distinct_events": np.where(d.has_events, rng.integers(1, len(EVENT_NAMES) + 1, n), 0).astype("int64"),
            "first_seen": utc(d.first_seen_days),
            "last_seen": utc(d.last_seen_days),
            "active_days_30": d.active_days_30,
            "active_days_90": d.active_days_90,
            "events_30": d.events_30,
            "events_prior_60": d.events_prior_60,
            "trend_slope_12w": rng.normal(0, 1, n) * d.has_events,
            "nps_responses": d.responses.astype("int64"),
            "nps_promoters": d.promoters.astype("int64"),
            "nps_detractors": d.detractors.astype("int64"),
            "nps_mean_score": np.where(d.responses > 0, d.scores, np.nan),
        },
        index=ids,
    )


def _add_extras(frame: pd.DataFrame, rng: np.random.Generator, d: _Draws) -> None:
    """The extra features (``segkit.features.extra``), in place."""
    ids, n = frame.index, len(frame)

    def utc(days: np.ndarray) -> pd.Series:
        return _utc(ids, days)

    launch = {name: (700.0 if k < 3 else 300.0 - 60 * k) for k, name in enumerate(EVENT_NAMES)}
    for name, launch_days in launch.items():
        adopts = d.has_events & (rng.random(n) < 0.7)
        start = np.minimum(d.first_seen_days, launch_days)
        lag = rng.exponential(40, n)
        when = np.where(adopts, np.maximum(start - lag, 0.0), np.nan)
        frame[first_used_column(name)] = utc(when)
    frame["distinct_events_90"] = np.minimum(frame["distinct_events"], (d.active_days_90 > 0) * rng.integers(1, len(EVENT_NAMES) + 1, n)).astype("int64")
    frame["events_90_before_start"] = np.where(d.active_at_start, rng.poisson(d.intensity * 30 * np.where(d.churned, 0.5, 1.0)), 0).astype("int64")
    frame["active_days_90_before_start"] = np.minimum(90, frame["events_90_before_start"] // 3).astype("int64")
    frame["deals"] = np.where(d.paid | (rng.random(n) < 0.2), rng.integers(1, 3, n), 0).astype("int64")
    frame["deals_open"] = np.where(~d.paid & (frame["deals"] > 0), 1, 0).astype("int64")
    frame["deals_won"] = np.where(d.paid, 1, 0).astype("int64")
    frame["first_deal_at"] = utc(np.where(frame["deals"] > 0, d.created_days - 1, np.nan))
    invoices = np.where(d.paid, rng.integers(1, 24, n), 0)
    frame["invoices"] = invoices.astype("int64")
    frame["invoice_amount"] = (invoices * np.maximum(d.mrr, d.mrr_start + 20)).astype("float64")
    frame["first_invoice_at"] = utc(d.first_paid_days)
    frame["last_invoice_at"] = utc(np.where(d.paid, np.where(d.is_customer, rng.uniform(0, 31, n), rng.uniform(31, 300, n)), np.nan))
    answered = d.responses > 0
    frame["Main need"] = pd.Series(np.where(answered, rng.choice(["Reporting", "Collaboration", "Automation", "Integrations"], n), None), index=ids, dtype="string")
    frame["Team size"] = pd.Series(np.where(answered, rng.choice(["1-5", "6-20", "21+"], n), None), index=ids, dtype="string")
    frame["support_tickets"] = rng.poisson(np.where(d.employees > 500, 6, 1.5)).astype("int64")
    frame.attrs.update({"as_of": AS_OF, "period_start": PERIOD_START, "survey_answer_columns": ["Main need", "Team size"]})


def _add_at_start(frame: pd.DataFrame, rng: np.random.Generator, d: _Draws) -> None:
    """The period-start groups (``segkit.features.at_start``), in place: usage, invoices, deals and
    answers before the period start, for accounts that existed then (drawn last, so the other
    columns stay as they were)."""
    ids, n = frame.index, len(frame)
    start_days = float((AS_OF - PERIOD_START).days)
    existed = d.has_events & (d.first_seen_days > start_days)
    before = np.where(d.active_at_start, rng.gamma(2.0, 4.0, n), rng.gamma(1.0, 1.0, n)) * existed
    d90 = np.minimum(90, rng.poisson(before * 3)).astype("int64")
    d30 = np.minimum(np.minimum(30, d90), rng.poisson(before)).astype("int64")
    e30 = (d30 * rng.uniform(1, 12, n)).round().astype("int64")
    prior = ((d90 - d30) * rng.uniform(1, 12, n)).round().astype("int64")
    count = (e30 + prior + rng.poisson(before * 30)).astype("int64")
    seen = count > 0
    last_seen = np.where(seen, np.minimum(start_days + np.where(e30 > 0, rng.uniform(0, 10, n), rng.uniform(31, 200, n)), d.first_seen_days), np.nan)
    paid_before = d.paid & (d.first_paid_days > start_days)
    invoices = np.where(paid_before, rng.integers(1, 12, n), 0).astype("int64")
    values = {
        "event_count": count, "distinct_users": np.where(seen, rng.integers(1, 20, n), 0).astype("int64"),
        "distinct_events": np.where(seen, rng.integers(1, len(EVENT_NAMES) + 1, n), 0).astype("int64"),
        "first_seen": _utc(ids, np.where(seen, d.first_seen_days, np.nan)), "last_seen": _utc(ids, last_seen),
        "active_days_30": d30, "active_days_90": d90, "events_30": e30, "events_prior_60": prior,
        "trend_slope_12w": rng.normal(0, 1, n) * seen,
        "distinct_events_90": np.where(d90 > 0, rng.integers(1, len(EVENT_NAMES) + 1, n), 0).astype("int64"),
        "invoices": invoices, "invoice_amount": (invoices * np.maximum(d.mrr_start, 20)).astype("float64") * paid_before,
        "first_invoice_at": _utc(ids, np.where(paid_before, d.first_paid_days, np.nan)),
        "last_invoice_at": _utc(ids, np.where(paid_before, start_days + rng.uniform(0, 60, n), np.nan)),
        "deals": frame["deals"].to_numpy(), "deals_open": frame["deals_open"].to_numpy(),
        "deals_won": frame["deals_won"].to_numpy(), "first_deal_at": frame["first_deal_at"],
        "nps_responses": np.where(rng.random(n) < 0.6, d.responses, 0).astype("int64"),
    }
    answered = values["nps_responses"] > 0
    values["nps_promoters"] = np.where(answered, d.promoters, 0).astype("int64")
    values["nps_detractors"] = np.where(answered, d.detractors, 0).astype("int64")
    for name, column in values.items():
        frame[AT_START_PREFIX + name] = column


def make_features(n_accounts: int = 300, seed: int = 0) -> pd.DataFrame:
    """A synthetic per-account feature frame with every standard column (and the extras).

    The columns, dtypes and ``attrs`` (``as_of``, ``period_start``, ``survey_answer_columns``)
    follow ``segkit.features.build_features``; values are random but plausible (paying accounts
    use the product more; detractors and small accounts churn more), so every built-in segmenter
    can run on it. Seeded: the same arguments give the same frame.
    """
    rng = np.random.default_rng(seed)
    ids = pd.Index([f"acct-{i:05d}" for i in range(n_accounts)], dtype="string", name="account_id")
    draws = _draw(rng, n_accounts)
    frame = _standard_columns(rng, ids, draws)
    _add_extras(frame, rng, draws)
    _add_at_start(frame, rng, draws)
    return frame


# --- the checks ---------------------------------------------------------------------------------

Check = Callable[[type[Segmenter], dict[str, Any], pd.DataFrame], None]
_MESSAGE = re.compile(r"^The '(?P<p>[^']+)' parameter of (?P<c>\w+) must be .+\. Got .+ instead\.$", re.S)


def _construct(cls: type[Segmenter], params: dict[str, Any]) -> Segmenter:
    return cls(**params)


def check_class_attributes(cls: type[Segmenter], params: dict[str, Any], features: pd.DataFrame) -> None:
    assert isinstance(cls, type) and issubclass(cls, Segmenter), f"{cls!r} is not a subclass of segkit.segmenters.Segmenter"
    assert isinstance(cls.name, str) and re.fullmatch(r"[a-z][a-z0-9_]*", cls.name or ""), (
        f"{cls.__name__}.name must be a lower-case identifier (letters, digits, _); got {cls.name!r}"
    )
    assert isinstance(cls.description, str) and cls.description.strip(), f"{cls.__name__}.description must be a non-empty string"
    assert isinstance(cls.parameters, dict), f"{cls.__name__}.parameters must be a dict of Param"
    for pname, spec in cls.parameters.items():
        assert isinstance(spec, Param), f"{cls.__name__}.parameters[{pname!r}] must be a segkit Param"
        assert spec.doc.strip(), f"{cls.__name__}.parameters[{pname!r}] needs a doc"
    assert isinstance(cls.required_columns, tuple) and all(isinstance(c, str) for c in cls.required_columns), (
        f"{cls.__name__}.required_columns must be a tuple of column names"
    )
    unknown = [x for x in (*getattr(cls, "extra_features", ()), *getattr(cls, "at_start_features", ())) if x not in EXTRA_FEATURES]
    assert not unknown, f"{cls.__name__}.extra_features names unknown feature groups {unknown}; known: {sorted(EXTRA_FEATURES)}"


def check_construct(cls: type[Segmenter], params: dict[str, Any], features: pd.DataFrame) -> None:
    seg = _construct(cls, params)
    got = seg.get_params()
    assert set(got) == set(cls.parameters), f"get_params() returned {sorted(got)}, not the declared {sorted(cls.parameters)}"
    again = cls(**got).get_params()
    assert again == got, f"{cls.__name__}(**get_params()) does not reproduce the parameters: {again} != {got}"


def check_unknown_parameter(cls: type[Segmenter], params: dict[str, Any], features: pd.DataFrame) -> None:
    try:
        cls(**params, no_such_parameter_xyz=1)
    except UsageError as exc:
        assert "no_such_parameter_xyz" in str(exc), f"the error for an unknown parameter does not name it: {exc}"
    else:
        raise AssertionError(f"{cls.__name__} accepted an undeclared parameter")


def check_parameter_validation(cls: type[Segmenter], params: dict[str, Any], features: pd.DataFrame) -> None:
    for pname in cls.parameters:
        try:
            cls(**{**params, pname: _Nonsense()})
        except UsageError as exc:
            match = _MESSAGE.match(str(exc))
            assert match and match["p"] == pname and match["c"] == cls.__name__, (
                f"parameter {pname!r}: message should read \"The '{pname}' parameter of {cls.__name__} must be ... "
                f"Got ... instead.\"; got {str(exc)!r}"
            )
        else:
            raise AssertionError(f"parameter {pname!r} of {cls.__name__} accepts any value; declare a check in its Param")


def _fit(cls: type[Segmenter], params: dict[str, Any], features: pd.DataFrame) -> Segmenter:
    seg = _construct(cls, params)
    out = seg.fit(features)
    assert out is seg, f"{cls.__name__}.fit must return self"
    return seg


def check_fit(cls: type[Segmenter], params: dict[str, Any], features: pd.DataFrame) -> None:
    seg = _fit(cls, params, features)
    labels = seg.labels_
    assert isinstance(labels, pd.Series), "labels_ must be a pandas Series"
    assert labels.index.equals(features.index), "labels_ must have the input's index (one label per account, same order)"
    assert labels.notna().all(), "labels_ has missing labels; every account needs one"
    assert all(isinstance(v, str) and v for v in labels.tolist()), "labels_ must be non-empty strings"
    assert isinstance(seg.segments_, list) and set(seg.segments_) == set(labels.unique()), "segments_ must list exactly the labels present"
    assert len(seg.segments_) == len(set(seg.segments_)), "segments_ has duplicates"


def check_deterministic(cls: type[Segmenter], params: dict[str, Any], features: pd.DataFrame) -> None:
    first = _fit(cls, params, features)
    second = _fit(cls, params, features)
    assert first.labels_.equals(second.labels_), f"{cls.__name__} gives different labels on the same input (seed every random step)"
    assert first.segments_ == second.segments_, "segments_ order differs between two fits of the same input"


def check_no_mutation(cls: type[Segmenter], params: dict[str, Any], features: pd.DataFrame) -> None:
    before = features.copy(deep=True)
    attrs = copy.deepcopy(features.attrs)
    seg = _construct(cls, params)
    params_before = copy.deepcopy(seg.get_params())
    seg.fit(features)
    pd.testing.assert_frame_equal(features, before, check_exact=True, obj=f"{cls.__name__}.fit input frame")
    assert features.attrs == attrs, f"{cls.__name__}.fit changed the frame's attrs"
    assert seg.get_params() == params_before, f"{cls.__name__}.fit changed its parameters (learned state goes in attributes ending in _)"


def check_required_columns(cls: type[Segmenter], params: dict[str, Any], features: pd.DataFrame) -> None:
    seg = _construct(cls, params)
    for requirement in seg.required():
        alternatives = [a for a in requirement.split("|") if a in features.columns]
        reduced = features.drop(columns=alternatives)
        try:
            _construct(cls, params).fit(reduced)
        except InputDataError:
            continue
        raise AssertionError(f"{cls.__name__} declares {requirement!r} as required but fits without it")


def check_describe(cls: type[Segmenter], params: dict[str, Any], features: pd.DataFrame) -> None:
    seg = _fit(cls, params, features)
    facts = seg.describe()
    assert isinstance(facts, dict), "describe() must return a dict"
    try:
        json.dumps(clean_json(facts, 6), allow_nan=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise AssertionError(f"describe() is not JSON-serialisable: {exc}") from None


CHECKS: dict[str, Check] = {
    "class_attributes": check_class_attributes,
    "construct": check_construct,
    "unknown_parameter": check_unknown_parameter,
    "parameter_validation": check_parameter_validation,
    "fit": check_fit,
    "deterministic": check_deterministic,
    "no_mutation": check_no_mutation,
    "required_columns": check_required_columns,
    "describe": check_describe,
}


def check_segmenter(
    cls: type[Segmenter],
    *,
    params: dict[str, Any] | None = None,
    features: pd.DataFrame | None = None,
    checks: list[str] | None = None,
) -> list[str]:
    """Run the conformance checks on ``cls``; return the names passed, raise listing any failures.

    ``params`` default to the class's ``example_params``; ``features`` to ``make_features()``.
    """
    params = dict(cls.example_params if params is None and hasattr(cls, "example_params") else params or {})
    features = make_features() if features is None else features

    def run_one(name: str) -> None:
        frame = features.copy(deep=True)  # a fresh copy: one check's breach must not hide another's
        frame.attrs = copy.deepcopy(features.attrs)
        CHECKS[name](cls, params, frame)

    return run_checks(str(getattr(cls, "__name__", cls)), checks or list(CHECKS), run_one)


__all__ = ["CHECKS", "check_segmenter", "make_features"]

"""Features as of the period start, for segmenters whose labels are read there (SPEC 4).

Time-varying labels read at as-of are read after the period's churn: an account that churned
stopped using the product (behavioral ``Dormant``), stopped paying (rfm's low recency) and is a
lifecycle stage of its own. With ``at = "period_start"`` a segmenter reads the same facts as they
stood at the period start instead. Each group below is computed only when a segmenter of the run
asks for it (``Segmenter.feature_groups``), and its columns carry the ``at_start:`` prefix, so the
as-of columns stay as they are.

| group | columns (``at_start:<name>``) |
|---|---|
| ``events_at_start`` | the event features (``EVENT_FEATURES``) and ``distinct_events_90`` from the events before the period start, through ``EventEngine.features_at`` (every engine, the same SQL) |
| ``invoices_at_start`` | ``invoices``, ``invoice_amount``, ``first_invoice_at``, ``last_invoice_at`` (paid before the period start) |
| ``deals_at_start`` | ``deals``, ``deals_open``, ``deals_won``, ``first_deal_at``, ``first_won_at`` (deals as they stood at the period start) |
| ``surveys_at_start`` | ``nps_responses``, ``nps_promoters``, ``nps_detractors``, ``nps_mean_score`` (each respondent's latest answer before the period start) |

Billing at the period start needs no group: ``mrr_start`` and ``active_at_start`` are billing facts.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from segkit.features.events.base import EventEngine
from segkit.features.period import Period
from segkit.loading.model import Inputs

AT_START_PREFIX = "at_start:"

AT_START_GROUPS: dict[str, str] = {
    "events_at_start": "event features from the events before the period start (at_start:<feature>)",
    "invoices_at_start": "paid invoices before the period start: count, amount, first and last payment (at_start:<column>)",
    "deals_at_start": "deal counts and first deal times as they stood at the period start (at_start:<column>)",
    "surveys_at_start": "NPS facts from each respondent's latest answer before the period start (at_start:<column>)",
}
COUNT_COLUMNS = ("event_count", "distinct_users", "distinct_events", "active_days_30", "active_days_90", "events_30",
                 "events_prior_60", "distinct_events_90", "invoices", "deals", "deals_open", "deals_won",
                 "nps_responses", "nps_promoters", "nps_detractors")


def at_start_column(name: str) -> str:
    return AT_START_PREFIX + name


def before_start(period: Period) -> Period:
    """A window of the same length ending at the period start: facts 'up to as-of' there."""
    return Period(start=period.start - (period.end - period.start), end=period.start)


def at_start_parts(inputs: Inputs, period: Period, engine: EventEngine | None, wanted: Collection[str]) -> list[pd.DataFrame]:
    """The requested groups' frames (index ``account_id``), columns already prefixed."""
    from segkit.features.extra import deal_facts, invoice_facts
    from segkit.features.surveys import survey_facts

    earlier = before_start(period)
    parts: list[pd.DataFrame] = []
    if engine is not None and "events_at_start" in wanted:
        day = (period.start - pd.Timedelta(days=1)).date()  # features "as of" the day before the start
        parts.append(engine.features_at(day))
    tables = {"invoices_at_start": ("invoices", invoice_facts), "deals_at_start": ("deals", deal_facts),
              "surveys_at_start": ("surveys", survey_facts)}
    for group, (table, facts) in tables.items():
        rows = inputs.frame(table)
        if group in wanted and rows is not None:
            parts.append(facts(rows, earlier))
    return [part.rename(columns=at_start_column) for part in parts]


def fill_at_start_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts at the start are 0 for an account with none (like the as-of counts)."""
    for name in COUNT_COLUMNS:
        col = at_start_column(name)
        if col in frame:
            frame[col] = frame[col].fillna(0).astype("int64")
    col = at_start_column("invoice_amount")
    if col in frame:
        frame[col] = frame[col].fillna(0.0).astype("float64")
    return frame

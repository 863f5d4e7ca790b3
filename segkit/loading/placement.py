"""Placement by content: which canonical table a file is, from its column names.

Used when no vendor preset (and no config mapping) matches a file. Each header name is compared
with every canonical column after normalising case, spaces and punctuation (``StartDate``,
``start date`` and ``start_date`` are one name), then with the declared ``SYNONYMS``, then with
rapidfuzz for near misses (a well-kept C implementation rather than hand-written edit
distances). A file goes to the table whose required columns are all present and which maps the
most of its columns; two tables that fit equally well are a tie, settled by a flag or the config.
The table of synonyms is documented in ``docs/tables.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from segkit.loading.schema import TABLES

#: Canonical column -> other names exports use for it, per table (``*``: every table with it).
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "*": {
        "account_id": ("company_id", "customer_account_id", "org_id", "organization_id", "organisation_id"),
        "user_id": ("member_id", "person_id", "contact_id"),
        "created_at": ("signup_date", "signed_up_at", "created", "created_date", "creation_date", "create_date"),
    },
    "accounts": {
        "name": ("account_name", "company_name", "company", "organization_name"),
        "industry": ("vertical", "sector"),
        "employees": ("employee_count", "number_of_employees", "headcount", "company_size"),
        "annual_revenue": ("revenue", "yearly_revenue"),
        "country": ("country_code", "billing_country", "hq_country"),
        "churned": ("churn_flag", "is_churned", "has_churned"),
        "mrr": ("mrr_amount", "monthly_revenue", "monthly_charges"),
        "domain": ("website", "company_domain"),
    },
    "subscriptions": {
        "started_at": ("start_date", "begin", "begin_date", "subscription_start", "start", "started"),
        "ended_at": ("end_date", "ended", "churn_date", "end", "subscription_end"),
        "canceled_at": ("cancelled_at", "cancel_date", "cancellation_date", "canceled_date"),
        "mrr": ("mrr_amount", "monthly_revenue", "monthly_recurring_revenue"),
        "arr": ("arr_amount", "annual_recurring_revenue", "annual_revenue"),
        "plan": ("plan_tier", "tier", "plan_name", "product", "package"),
        "quantity": ("seats", "seat_count", "licenses", "units"),
        "interval": ("billing_frequency", "billing_period", "billing_cycle", "billing_interval"),
        "is_trial": ("trial", "trial_flag", "on_trial"),
        "churned": ("churn_flag", "is_churned", "has_churned"),
        "status": ("subscription_status", "state"),
    },
    "invoices": {
        "amount_paid": ("amount", "paid_amount", "total_paid", "payment_amount"),
        "paid_at": ("payment_date", "paid_date", "paid_on"),
        "issued_at": ("invoice_date", "issue_date"),
    },
    "deals": {
        "deal_id": ("opportunity_id",),
        "stage": ("deal_stage", "pipeline_stage"),
        "closed_at": ("close_date", "closed_date"),
        "is_won": ("won",),
    },
    "events": {
        "event": ("event_name", "event_type", "action", "feature", "feature_name"),
        "timestamp": ("time", "event_time", "occurred_at", "event_timestamp", "ts", "datetime", "usage_date", "date"),
        "count": ("usage_count", "event_count", "times", "uses", "occurrences"),
        "duration": ("usage_duration_secs", "usage_duration_seconds", "duration_secs", "duration_seconds",
                     "usage_duration", "session_duration", "time_spent_secs", "seconds"),
        "error_count": ("errors", "error_events", "num_errors", "errors_count"),
    },
    "tickets": {
        "ticket_id": ("case_id", "conversation_id", "issue_id"),
        "created_at": ("submitted_at", "opened_at", "ticket_created_at", "reported_at"),
        "solved_at": ("closed_at", "resolved_at", "solved", "closed_date", "resolution_date"),
        "resolution_minutes": ("resolution_time_minutes", "full_resolution_time_minutes"),
        "first_response_minutes": ("first_response_time_minutes", "reply_time_minutes"),
        "satisfaction": ("satisfaction_score", "csat", "csat_score", "satisfaction_rating"),
        "escalated": ("escalation_flag", "is_escalated", "escalation"),
        "requester_email": ("email", "requester", "contact_email"),
        "status": ("ticket_status",),
    },
    "cancellations": {
        "canceled_at": ("churn_date", "churned_at", "cancelled_at", "cancellation_date", "cancel_date",
                        "canceled_date", "cancelled_date"),
        "reason": ("churn_reason", "cancellation_reason", "cancel_reason"),
        "reason_code": ("churn_reason_code", "cancel_reason_code", "cancellation_reason_code"),
        "feedback": ("feedback_text", "comment", "comments", "cancellation_feedback"),
        "refund_amount": ("refund_amount_usd", "refund", "refunded_amount"),
        "voluntary": ("is_voluntary",),
    },
    "surveys": {
        "responded_at": ("response_date", "survey_date", "answered_at"),
        "score": ("nps", "nps_score", "likelihood_to_recommend", "rating"),
    },
}
#: A fuzzy match below this rapidfuzz ratio (0..100) is not a match.
FUZZY_CUTOFF = 88.0
#: A keyed table (accounts, users) whose key repeats in more than this share of a file's rows is
#: not that table: the file holds something else per account (tickets, churn events, usage).
MAX_KEY_REPEAT = 0.2
#: ... and repeats at least this many times (a few duplicates are a dirty accounts file, reported).
MIN_KEY_REPEATS = 10

#: Reads one column of the file being placed (its text cells), for value-shape checks.
ColumnReader = Callable[[str], list[str]]


def normalise_name(name: str) -> str:
    """Lower case with every space, underscore and punctuation mark removed."""
    return re.sub(r"[^0-9a-z]", "", name.strip().lstrip("\ufeff").lower())


@dataclass(frozen=True)
class ColumnMatch:
    """One canonical column found in a header: the header's spelling and how it was found."""

    canonical: str
    source: str
    how: str  # exact, synonym or fuzzy
    score: float = 100.0

    def describe(self) -> str:
        return f"fuzzy {self.score:.0f}" if self.how == "fuzzy" else self.how


@dataclass(frozen=True)
class TableFit:
    """How well a header fits one canonical table."""

    table: str
    matches: tuple[ColumnMatch, ...]
    missing: tuple[str, ...]
    #: Why the values say the file is not this table, though its columns fit.
    reason: str = ""

    @property
    def fits(self) -> bool:
        return not self.missing and not self.reason

    @property
    def gap(self) -> str:
        """What keeps the file out of this table, for messages."""
        return self.reason or f"lacks {'; '.join(self.missing)}"

    @property
    def score(self) -> float:
        """Mapped columns, a fuzzy one counting by its ratio."""
        return round(sum(m.score / 100.0 for m in self.matches), 6)

    @property
    def mapping(self) -> dict[str, str]:
        return {m.canonical: m.source for m in self.matches}


def synonyms_of(table: str, canonical: str) -> tuple[str, ...]:
    """Every declared synonym of ``canonical`` in ``table`` (its own table first, then ``*``)."""
    own = SYNONYMS.get(table, {}).get(canonical, ())
    return own + SYNONYMS["*"].get(canonical, ())


def table_columns(table: str) -> tuple[str, ...]:
    """The canonical columns placement looks for: the schema's, plus synonym-only ones (arr)."""
    names = list(TABLES[table].names)
    names += [c for c in SYNONYMS.get(table, {}) if c not in names]
    return tuple(names)


def match_columns(header: list[str], table: str) -> tuple[ColumnMatch, ...]:
    """Canonical column -> header name: exact (normalised) first, then synonyms, then fuzzy."""
    by_norm: dict[str, str] = {}
    for name in header:
        by_norm.setdefault(normalise_name(name), name)
    found: dict[str, ColumnMatch] = {}
    taken: set[str] = set()
    columns = table_columns(table)
    for how in ("exact", "synonym"):
        for canonical in columns:
            if canonical in found:
                continue
            names = (canonical,) if how == "exact" else synonyms_of(table, canonical)
            for candidate in names:
                source = by_norm.get(normalise_name(candidate))
                if source is not None and source not in taken:
                    found[canonical] = ColumnMatch(canonical, source, how)
                    taken.add(source)
                    break
    free = {norm: src for norm, src in by_norm.items() if src not in taken and len(norm) >= 4}
    for canonical in columns:
        if canonical in found or not free:
            continue
        targets = [normalise_name(n) for n in (canonical, *synonyms_of(table, canonical))]
        best = None
        for target in targets:
            hit = process.extractOne(target, list(free), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            if hit is not None and (best is None or hit[1] > best[1]):
                best = hit
        if best is not None:
            source = free.pop(best[0])
            found[canonical] = ColumnMatch(canonical, source, "fuzzy", float(best[1]))
    order = {c: i for i, c in enumerate(columns)}
    return tuple(sorted(found.values(), key=lambda m: order[m.canonical]))


def fit(header: list[str], table: str) -> TableFit:
    matches = match_columns(header, table)
    missing = TABLES[table].missing_required({m.canonical for m in matches})
    return TableFit(table, matches, tuple(missing))


def _checked_values(fit_: TableFit, read_column: ColumnReader | None) -> TableFit:
    if not fit_.fits:
        return fit_
    why = key_repeats(fit_, read_column)
    return fit_ if why is None else TableFit(fit_.table, fit_.matches, (), why)


def _rank_key(f: TableFit) -> tuple[bool, int, float, str]:
    """Fitting tables first by score; then the misfits by how few columns they lack, then score."""
    return (not f.fits, 0 if f.fits else len(f.missing), -f.score, f.table)


def rank_tables(header: list[str], tables: list[str] | None = None) -> list[TableFit]:
    """Every table's fit, best first: fitting ones by score, then the others by how little they lack."""
    fits = [fit(header, t) for t in (tables or list(TABLES))]
    return sorted(fits, key=_rank_key)


@dataclass(frozen=True)
class Placement:
    """The table a header was placed in; ``tied`` lists the others that fit exactly as well."""

    best: TableFit | None
    tied: tuple[str, ...]
    ranked: tuple[TableFit, ...]


def key_repeats(fit_: TableFit, read_column: ColumnReader | None) -> str | None:
    """Why a keyed table does not fit by its values (its key repeats too often), else None."""
    key = TABLES[fit_.table].key
    if read_column is None or key is None or key not in fit_.mapping:
        return None
    values = [v for v in read_column(fit_.mapping[key]) if v.strip()]
    if not values:
        return None
    repeated = len(values) - len(set(values))
    if repeated < MIN_KEY_REPEATS or repeated / len(values) <= MAX_KEY_REPEAT:
        return None
    return f"has {fit_.mapping[key]} repeated in {repeated} of {len(values)} rows (not one row per {key})"


def place(header: list[str], table: str | None = None, read_column: ColumnReader | None = None) -> Placement:
    """The table ``header`` fits best (only ``table`` when given): see the module doc."""
    ranked = rank_tables(header, [table] if table else None)
    if table is None:
        ranked = [_checked_values(f, read_column) for f in ranked]
        ranked.sort(key=_rank_key)
    fitting = [f for f in ranked if f.fits]
    if not fitting:
        return Placement(None, (), tuple(ranked))
    top = fitting[0]
    tied = [f for f in fitting[1:] if f.score == top.score]
    keyed = [f for f in (top, *tied) if _has_own_key(f)]
    if tied and len(keyed) == 1:
        # A tie where one table is keyed by a column the file has (accounts by account_id, users
        # by user_id) and the others are not: one row per key is the reading that fits (a file of
        # account_id and created_at is accounts, not deals or tickets that lack their own ids).
        top, tied = keyed[0], []
    return Placement(top, tuple(f.table for f in tied), tuple(ranked))


def _has_own_key(f: TableFit) -> bool:
    key = TABLES[f.table].key
    return key is not None and any(m.canonical == key for m in f.matches)

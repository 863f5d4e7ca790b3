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
from collections.abc import Callable, Mapping
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
    "fx_rates": {
        "date": ("rate_date", "effective_date", "valid_from"),
        "currency": ("currency_code", "from_currency", "source_currency"),
        "rate": ("exchange_rate", "fx_rate", "conversion_rate"),
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


#: An id column -> the table whose rows it identifies (a file holding those ids refers to that table).
ID_OWNERS = {"subscription_id": "subscriptions", "account_id": "accounts", "user_id": "users",
             "ticket_id": "tickets", "deal_id": "deals", "invoice_id": "invoices"}
#: Ids already read, per id column (``ID_OWNERS``): the owning table's files placed so far.
KnownIds = Mapping[str, "set[str] | frozenset[str]"]
#: A required typed column whose non-empty cells parse as their kind in less than this share is implausible.
MIN_SHAPE_SHARE = 0.5
#: Cells read per column for the value-shape checks.
SHAPE_SAMPLE = 500
_BOOL_WORDS = frozenset({"true", "false", "yes", "no", "y", "n", "t", "f", "0", "1"})


def _checked_values(fit_: TableFit, read_column: ColumnReader | None, known_ids: KnownIds | None = None) -> TableFit:
    if not fit_.fits:
        return fit_
    why = key_repeats(fit_, read_column) or implausible_shape(fit_, read_column) or refers_to_known(fit_, read_column, known_ids)
    return fit_ if why is None else TableFit(fit_.table, fit_.matches, (), why)


def shape_share(kind: str, values: list[str]) -> float | None:
    """The share of non-empty cells that look like ``kind`` (dates, numbers incl. money, booleans); None: not typed."""
    cells = [v.strip() for v in values[:SHAPE_SAMPLE] if v.strip()]
    if not cells or kind not in ("datetime", "float", "int", "bool"):
        return None
    if kind == "bool":
        return sum(c.lower() in _BOOL_WORDS for c in cells) / len(cells)
    if kind == "datetime":
        import pandas as pd

        parsed = pd.to_datetime(pd.Series(cells), errors="coerce", format="mixed", utc=True)
        numeric = pd.to_numeric(pd.Series(cells), errors="coerce")
        return float((parsed.notna() | numeric.between(1e8, 1e14)).mean())
    money = [re.sub(r"^[(\-+]?[$€£¥]?|[\s,)]|[A-Z]{3}$", "", c) for c in cells]
    return sum(bool(re.fullmatch(r"-?\d+(\.\d*)?([eE][-+]?\d+)?", m)) for m in money) / len(cells)


def implausible_shape(fit_: TableFit, read_column: ColumnReader | None) -> str | None:
    """Why a required column's values say the file is not this table (``started_at`` that holds no dates)."""
    if read_column is None:
        return None
    schema = TABLES[fit_.table]
    required = {name for alts in schema.required for name in alts}
    for match in fit_.matches:
        if match.canonical not in required or match.canonical not in schema.names:
            continue
        kind = schema.column(match.canonical).kind
        share = shape_share(kind, read_column(match.source))
        if share is not None and share < MIN_SHAPE_SHARE:
            what = {"datetime": "dates", "bool": "yes/no values"}.get(kind, "numbers")
            return f"has {match.source} ({match.canonical}) with {share:.0%} {what}"
    return None


def shape_score(fit_: TableFit, read_column: ColumnReader | None) -> float:
    """Mapped columns weighted by how well their values fit their kind: settles a tie of names."""
    if read_column is None:
        return fit_.score
    total = 0.0
    for match in fit_.matches:
        kind = TABLES[fit_.table].column(match.canonical).kind if match.canonical in TABLES[fit_.table].names else "float"
        share = shape_share(kind, read_column(match.source))
        total += (match.score / 100.0) * (1.0 if share is None else share)
    return round(total, 6)


def refers_to_known(fit_: TableFit, read_column: ColumnReader | None, known_ids: KnownIds | None) -> str | None:
    """A file whose own-table ids are those of a file already placed there refers to it: usage by subscription_id."""
    if read_column is None or not known_ids:
        return None
    for canonical, owner in ID_OWNERS.items():
        if owner != fit_.table or canonical not in fit_.mapping or canonical not in known_ids:
            continue
        known = known_ids[canonical]  # read here, only when a file could be more of the owner table
        values = [v.strip() for v in read_column(fit_.mapping[canonical]) if v.strip()]
        if values and len(set(values)) < len(values) and sum(v in known for v in values) / len(values) >= 0.8:
            return (f"has {fit_.mapping[canonical]} values that are the ids of the {owner} already read, repeated "
                    f"(it refers to {owner} rather than being more of them)")
    return None


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


def place(header: list[str], table: str | None = None, read_column: ColumnReader | None = None,
          known_ids: KnownIds | None = None) -> Placement:
    """The table ``header`` fits best (only ``table`` when given): see the module doc."""
    raw = rank_tables(header, [table] if table else None)
    ranked = raw
    if table is None:
        ranked = sorted((_checked_values(f, read_column, known_ids) for f in raw), key=_rank_key)
        if known_ids and not any(f.fits for f in ranked):  # referring to known ids only counts against a file that fits elsewhere
            ranked = sorted((_checked_values(f, read_column) for f in raw), key=_rank_key)
    fitting = [f for f in ranked if f.fits]
    if not fitting:
        return Placement(None, (), tuple(ranked))
    top = fitting[0]
    tied = [f for f in fitting[1:] if f.score == top.score]
    if tied and read_column is not None:
        # Names tie: the values settle it when they fit one table's kinds better (dates, money, flags).
        by_shape = sorted([top, *tied], key=lambda f: (-shape_score(f, read_column), f.table))
        best_shape = shape_score(by_shape[0], read_column)
        if shape_score(by_shape[1], read_column) < best_shape:
            top, tied = by_shape[0], [f for f in by_shape[1:] if shape_score(f, read_column) == best_shape]
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

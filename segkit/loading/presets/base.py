"""What a preset is: a canonical table plus, per canonical column, the header names that mean it.

Names are matched case- and whitespace-insensitively (``normalise_header``). Dotted names
(``context.groupId``, ``properties.time``) are paths into JSON objects, which the readers flatten
with dots. Where the research could not confirm a spelling, both likely ones are listed.
Picking a preset from a header is ``loading/detect.py``; the registered presets are
``presets/registry.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from segkit.loading.schema import TABLES


def normalise_header(name: str) -> str:
    """Lower case, trimmed, inner whitespace collapsed: how exports' labels drift."""
    return re.sub(r"\s+", " ", name.strip().lstrip("\ufeff")).lower()


@dataclass(frozen=True)
class PresetOptions:
    """How a preset's files are read beyond the column mapping (read by the loader and the engines)."""

    #: ``major`` (the default when None) or ``minor`` (cents; Stripe API objects); ``--amount-unit`` overrides it.
    amount_unit: str | None = None
    #: Where ``--group-key KEY`` looks for an event's account (``properties.{}`` for Mixpanel).
    group_key_paths: tuple[str, ...] = ()
    #: The account cell may be a JSON list (Amplitude ``groups``); its first element is used.
    account_may_be_list: bool = False
    #: A cell may list several accounts (HubSpot associations); the first one is used.
    multi_account_separator: str | None = None
    #: The vendor's status words -> segkit's (Stripe's) statuses, matched in lower case with
    #: spaces as underscores (Chargebee ``In Trial`` -> ``in_trial`` -> ``trialing``); others kept.
    status_map: tuple[tuple[str, str], ...] = ()
    #: strptime layout of the export's dates (SurveyMonkey ``%m/%d/%Y %I:%M:%S %p``), tried
    #: before ISO 8601; ``--date-format`` overrides it.
    date_format: str | None = None
    #: Header rows after the first one (Qualtrics: question text and ImportId; SurveyMonkey:
    #: answer labels): up to this many leading rows whose ``header_rows_column`` cell is not a
    #: date are skipped and counted, so an export saved with one header row loses nothing.
    header_rows: int = 0
    header_rows_column: str = "responded_at"
    #: Rows that are not data of the table, rejected with a reason: (the export's column, its
    #: values in lower case, why), e.g. Qualtrics ``Status`` ``Survey Preview`` (a test answer).
    excluded_rows: tuple[tuple[str, tuple[str, ...], str], ...] = ()
    #: Canonical dates this export may set after as-of without being wrong: a scheduled end
    #: (Chargebee ``non_renewing`` ``Canceled On``, Recurly ``expires_at`` of a canceled subscription).
    future_dates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Preset:
    """How one kind of export maps onto a canonical table."""

    name: str
    table: str
    columns: dict[str, tuple[str, ...]]
    options: PresetOptions = field(default_factory=PresetOptions)
    priority: int = 0
    #: How ``segkit validate`` describes a file this preset read ("a HubSpot companies export").
    title: str = ""
    #: Canonical columns of which at least one must be found: what tells this export apart from
    #: another with the same id column (HubSpot companies and deals both have ``Record ID``).
    signature: tuple[str, ...] = ()
    #: Header patterns (regular expressions, matched on the normalised name) tried after the
    #: aliases, e.g. Stripe's ``<key> (metadata)`` columns that hold the CRM id.
    patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Companion suffixes tried last: the column ``X`` for which ``X<suffix>`` is also in the
    #: header (Qualtrics writes an NPS question ``Q1`` next to its ``Q1_NPS_GROUP``).
    companions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def resolve(self, header: list[str]) -> dict[str, str]:
        """Canonical column -> the header's own spelling, for every column this preset finds."""
        by_norm: dict[str, str] = {}
        for name in header:
            by_norm.setdefault(normalise_header(name), name)
        mapping: dict[str, str] = {}
        for canonical, aliases in self.columns.items():
            for alias in aliases:
                hit = by_norm.get(normalise_header(alias))
                if hit is not None:
                    mapping[canonical] = hit
                    break
        for canonical, patterns in self.patterns.items():
            if canonical in mapping:
                continue
            for pattern in patterns:
                hits = [orig for norm, orig in by_norm.items() if re.fullmatch(pattern, norm)]
                if hits:
                    mapping[canonical] = hits[0]
                    break
        for canonical, suffixes in self.companions.items():
            if canonical in mapping:
                continue
            hits = [orig for norm, orig in by_norm.items() for sfx in suffixes if norm + sfx in by_norm]
            if hits:
                mapping[canonical] = hits[0]
        return mapping

    def missing(self, mapping: dict[str, str]) -> list[str]:
        out = TABLES[self.table].missing_required(set(mapping))
        if self.signature and not any(c in mapping for c in self.signature):
            out.append(" or ".join(self.signature))
        return out

    def expected(self, canonical: str) -> str:
        """How the export names a canonical column, for messages: ``account_id ('Record ID')``."""
        names = [n for part in canonical.split(" or ") for n in self.columns.get(part, ())[:1]]
        shown = " or ".join(repr(n) for n in names)
        return f"{canonical} ({shown})" if names and shown != repr(canonical) else canonical

    def with_group_key(self, key: str) -> Preset:
        """The preset with ``key`` (``--group-key``) tried first for account_id, per its templates."""
        templates = self.options.group_key_paths
        if not templates or not key:
            return self
        aliases = tuple(t.format(key) for t in templates) + tuple(self.columns.get("account_id", ()))
        return replace(self, columns={**self.columns, "account_id": aliases})

"""The overview of report.html: headline cards with their change since the last run in --out
DIR (the changes block's ``overall``), the plausibility checks and the warnings."""

from __future__ import annotations

import html
from typing import Any

from segkit.writers.display import money_text

e = html.escape

#: (report key, card label, kind): kind picks the value's format and the change's unit
HEADLINES = (
    ("accounts", "Accounts", "count"), ("customers", "Customers", "count"), ("mrr", "MRR", "money"),
    ("arpa", "ARPA", "money"), ("churn_rate", "Churn rate", "rate"), ("conversion_rate", "Conversion", "rate"),
    ("nrr", "NRR", "rate"), ("grr", "GRR", "rate"), ("clv", "CLV", "money"),
)
#: a rise is good news for these (for churn it is bad): the change is coloured accordingly
HIGHER_IS_BETTER = {"accounts": True, "customers": True, "mrr": True, "arpa": True, "churn_rate": False,
                    "conversion_rate": True, "nrr": True, "grr": True, "clv": True}


def _pct(v: Any) -> str:
    return "-" if v is None else f"{v * 100:.1f}%"


def _money(v: Any) -> str:
    return "-" if v is None else f"{v:,.0f}"


def _count(v: Any) -> str:
    return "-" if v is None else f"{v:,}"


FORMATS = {"count": _count, "money": _money, "rate": _pct}


def _ci(row: dict[str, Any], key: str, pct: bool = True) -> str:
    ci = row.get(f"{key}_ci")
    if not ci:
        return ""
    return f"95% CI {ci[0] * 100:.1f}-{ci[1] * 100:.1f}%" if pct else f"95% CI {ci[0]:,.0f}-{ci[1]:,.0f}"


def change_text(kind: str, change: float) -> str:
    """'+0.8 pt' for a rate, '+1,234' for money and counts; '±0' when nothing moved."""
    if kind == "rate":
        points = round(change * 100, 1)
        return "±0.0 pt" if points == 0 else f"{points:+.1f} pt"
    rounded = round(change)
    return "±0" if rounded == 0 else f"{rounded:+,.0f}"


def since_label(changes: dict[str, Any] | None) -> str:
    old = (changes or {}).get("old") or {}
    return str(old.get("as_of") or "the last run")


def headline_change(key: str, kind: str, changes: dict[str, Any] | None) -> tuple[str, str]:
    """(text, css class) of one figure's change since the last run; ('', '') without one."""
    entry = ((changes or {}).get("overall") or {}).get(key)
    if not entry:
        return "", ""
    change = float(entry["change"])
    text = f"{change_text(kind, change)} since {since_label(changes)}"
    if change_text(kind, change).startswith("±"):
        return text, "delta flat"
    good = (change > 0) == HIGHER_IS_BETTER[key]
    return text, "delta up" if good else "delta down"


def _sub(overall: dict[str, Any], key: str) -> str:
    if key == "customers":
        return "paying at as-of"
    if key == "arpa":
        return "MRR per customer"
    if key in ("churn_rate", "conversion_rate"):
        return _ci(overall, key)
    if key == "clv":
        return _ci(overall, "clv", pct=False) or str(overall.get("clv_reason") or "")
    return ""


def headline_cards(overall: dict[str, Any], changes: dict[str, Any] | None = None) -> str:
    """The overview's figures for all accounts, each with its change since the last run when known."""
    cards = []
    for key, label, kind in HEADLINES:
        raw = overall.get(key)
        value = FORMATS[kind](raw or 0 if key == "accounts" else raw)
        delta, cls = headline_change(key, kind, changes)
        cards.append((key, label, value, _sub(overall, key), delta, cls))
    if overall.get("nps") is not None:
        cards.append(("nps", "NPS", f"{overall['nps']:+.0f}", f"{overall.get('nps_responses') or 0:,} responses", "", ""))
    return "<div class='cards'>" + "".join(
        f"<div class='card' data-figure='{e(key)}'><div class='label'>{e(label)}</div><div class='value'>{e(value)}</div>"
        + (f"<div class='{cls}'>{e(delta)}</div>" if delta else "")
        + f"<div class='sub'>{e(sub)}</div></div>" for key, label, value, sub, delta, cls in cards) + "</div>"


def changes_caption(changes: dict[str, Any] | None) -> str:
    """Which run the changes are against, or that this is the first run in the directory."""
    if changes is None:
        return "<p class='caption'>no previous run to compare with (changes appear from the second run into the same --out DIR)</p>"
    old, new = changes.get("old") or {}, changes.get("new") or {}
    return (f"<p class='caption'>changes: this run (as of {e(str(new.get('as_of')))}) against the previous run in "
            f"--out DIR, {e(str(old.get('run')))} (as of {e(str(old.get('as_of')))})</p>")


def checks_html(checks: list[dict[str, Any]]) -> str:
    """The plausibility checks that fired: figure, value, threshold and what to look at."""
    if not checks:
        return "<h3>Plausibility checks</h3><p class='caption'>none fired (thresholds: docs/metrics.md)</p>"
    rows = "".join(
        f"<li data-check='{e(str(c.get('code')))}'><b>{e(str(c.get('code')))}</b> "
        f"({e(str(c.get('figure')))} = {e(str(c.get('value')))}, threshold {e(str(c.get('threshold')))}): "
        f"{e(str(c.get('message')))}</li>" for c in checks)
    return f"<h3>Plausibility checks</h3><ul class='checks'>{rows}</ul>"


def warnings_html(warnings: list[dict[str, Any]]) -> str:
    if not warnings:
        return "<h3>Warnings</h3><p class='caption'>none</p>"
    return "<h3>Warnings</h3><ul class='warnings'>" + "".join(
        f"<li><b>{e(str(w.get('code')))}</b>: {e(str(w.get('message')))}</li>" for w in warnings) + "</ul>"


def overview_html(data: dict[str, Any], changes: dict[str, Any] | None) -> str:
    parts = [f"<section id='overview'><h2>Overview</h2>{headline_cards(data.get('overall', {}), changes)}",
             changes_caption(changes)]
    period = data.get("period") or {}
    params = data.get("parameters") or {}
    if period:
        parts.append(f"<p class='caption'>period {e(str(period.get('start')))} to {e(str(period.get('end')))}; "
                     f"CLV method {e(str(params.get('clv_method', '-')))}; segments with fewer than "
                     f"{e(str(params.get('min_segment_size', '-')))} accounts are suppressed</p>")
    parts.extend(f"<p class='caption'>{e(line)}</p>" for line in money_text(data))
    parts.append(checks_html(data.get("checks") or []))
    parts.append(warnings_html(data.get("warnings") or []))
    return "".join(parts) + "</section>"

"""The headline findings of a report in sentences (Markdown), for Slack or e-mail: the figures
for all accounts, and per segmentation which segments churn most and least, with intervals,
and whether the segments differ at all."""

from __future__ import annotations

from typing import Any

from segkit.report import Report
from segkit.writers.display import segmentation_quality_lines


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _ci(row: dict[str, Any], key: str) -> str:
    ci = row.get(f"{key}_ci")
    return f" (95% CI {ci[0] * 100:.0f}-{ci[1] * 100:.0f}%)" if ci else ""


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def overall_sentence(data: dict[str, Any]) -> str:
    o = data["overall"]
    customers = "" if o.get("customers") is None else f", {o['customers']:,} of them paying"
    return (f"As of {data['as_of']}: {o.get('accounts') or 0:,} accounts{customers}, MRR {_money(o.get('mrr'))}; "
            f"churn {_pct(o.get('churn_rate'))}{_ci(o, 'churn_rate')} over {data['period']['start']} to "
            f"{data['period']['end']}, NRR {_pct(o.get('nrr'))}.")


def churn_sentence(name: str, segmentation: dict[str, Any], overall: dict[str, Any]) -> str | None:
    """Which segments churn most and least (unsuppressed segments with a churn rate)."""
    rows = [s for s in segmentation["segments"] if not s.get("suppressed") and s.get("churn_rate") is not None]
    if not rows:
        return None
    ranked = sorted(rows, key=lambda s: (-s["churn_rate"], str(s["segment"])))
    top, bottom = ranked[0], ranked[-1]
    text = (f"By {name}, churn is highest in {top['segment']}: {_pct(top['churn_rate'])}{_ci(top, 'churn_rate')}, "
            f"against {_pct(overall.get('churn_rate'))} for all accounts")
    if bottom is not top:
        text += f"; lowest in {bottom['segment']}: {_pct(bottom['churn_rate'])}{_ci(bottom, 'churn_rate')}"
    return text + "."


#: (changes.json overall key, name in a sentence, kind) for "what changed"
CHANGED_FIGURES = (("churn_rate", "churn", "rate"), ("mrr", "MRR", "money"), ("nrr", "NRR", "rate"),
                   ("customers", "paying customers", "count"))
TRANSITIONS_NAMED = 3


def _figure(kind: str, value: float) -> str:
    return _pct(value) if kind == "rate" else (f"{value:,.0f}" if kind == "money" else f"{int(value):,}")


def _moved(label: str, kind: str, old: float, new: float) -> str:
    """'churn rose from 4.4% to 5.2%', or 'churn stayed at 4.4%' when equal as shown."""
    before, after = _figure(kind, old), _figure(kind, new)
    if before == after:
        return f"{label} stayed at {after}"
    return f"{label} {'rose' if new > old else 'fell'} from {before} to {after}"


def transitions_sentence(name: str, block: dict[str, Any]) -> str | None:
    """'By value, 12 accounts moved from SMB to Mid-Market' (the largest moves; ties by name)."""
    moves = sorted(block.get("transitions") or [], key=lambda t: (-t["accounts"], str(t["from"]), str(t["to"])))
    if not moves:
        return None
    named = [f"{t['accounts']:,} account{'s' if t['accounts'] != 1 else ''} moved from {t['from']} to {t['to']}"
             for t in moves[:TRANSITIONS_NAMED]]
    rest = sum(t["accounts"] for t in moves[TRANSITIONS_NAMED:])
    text = f"by {name}, " + ", ".join(named)
    return text + (f" and {rest:,} more changed segment" if rest else "")


def changed_sentence(changes: dict[str, Any] | None) -> str | None:
    """What changed since the last run in --out DIR: headline figures, then the largest moves."""
    if changes is None:
        return None
    since = (changes.get("old") or {}).get("as_of") or "unknown"
    overall = changes.get("overall") or {}
    figures = [_moved(label, kind, overall[key]["old"], overall[key]["new"])
               for key, label, kind in CHANGED_FIGURES if key in overall]
    moves = [m for m in (transitions_sentence(n, b) for n, b in changes.get("segmentations", {}).items()) if m]
    if not figures and not moves:
        return f"Nothing changed since the last run ({since})."
    if not figures:  # the previous run has no report.json (a plain folder of assignments)
        return f"Since the last run ({since}): " + "; ".join(moves) + "."
    head = f"{figures[0][0].upper()}{figures[0][1:]} since the last run ({since})" + "".join(f"; {f}" for f in figures[1:])
    if not moves:
        return head + "; no account changed segment."
    return head + "; " + "; ".join(moves) + "."


def summary_lines(report: Report) -> list[str]:
    data = report.data
    lines = ["## Summary", "", overall_sentence(data), ""]
    changed = changed_sentence(report.changes)
    if changed:
        lines += [changed, ""]
    for name, segmentation in report.segmentations.items():
        sentence = churn_sentence(name, segmentation, data["overall"])
        verdicts = [f"{line[0].upper()}{line[1:]}." for line in segmentation_quality_lines(segmentation)]
        if sentence or verdicts:
            lines.append("- " + " ".join(([sentence] if sentence else []) + verdicts))
    warnings = data.get("warnings") or []
    if warnings:
        lines += ["", f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}: "
                  + "; ".join(w["message"] for w in warnings[:3]) + ("; ..." if len(warnings) > 3 else "") + "."]
    return lines + [""]

"""The changes block (changes.json, ``segkit diff``) as text lines and CSV (report.html draws it:
``segkit.writers.charts.transitions``).

Writers show it under each segmentation's table when a previous run exists in --out DIR;
``segkit diff --format table|csv`` prints it the same way.
"""

from __future__ import annotations

import csv
import io
from typing import Any

BRIDGE_LINES = ("start", "new", "expansion", "reactivation", "contraction", "churned", "moved_in", "moved_out", "end")


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _explained(block: dict[str, Any]) -> list[str]:
    lines = []
    for kind, label in (("churn_rate", "churn rate"), ("nrr", "NRR")):
        part = (block.get("explained") or {}).get(kind)
        if part:
            lines.append(f"{label}: {part['old']:.2%} -> {part['new']:.2%} ({part['change']:+.2%}: "
                         f"segment mix {part['mix']:+.2%}, within-segment rates {part['rate']:+.2%})")
    return lines


def segmentation_lines(changes: dict[str, Any], name: str) -> list[str]:
    """Plain text lines for one segmentation: transitions, appeared/disappeared, bridge, explained."""
    block = changes["segmentations"].get(name)
    if block is None:
        return []
    lines = [f"changes since {changes['old']['run']} (as of {changes['old']['as_of']}):"]
    moved = sum(t["accounts"] for t in block["transitions"])
    lines.append(f"  {moved} accounts changed segment, {len(block['appeared'])} appeared, {len(block['disappeared'])} disappeared")
    lines += [f"  {t['from']} -> {t['to']}: {t['accounts']} accounts, MRR {_money(t['mrr'])}" for t in block["transitions"]]
    for row in block["bridge"]:
        parts = ", ".join(f"{key.replace('_', ' ')} {_money(row[key])}" for key in BRIDGE_LINES if key in ("start", "end") or row[key])
        lines.append(f"  MRR bridge {row['segment']}: {parts}")
    lines += [f"  {line}" for line in _explained(block)]
    return lines


RATES = ("churn_rate", "conversion_rate", "nrr", "grr")
COUNTS = ("accounts", "customers")
#: the order the headline figures are listed in (changes.json's keys are sorted)
HEADLINE_ORDER = ("accounts", "customers", "mrr", "arpa", "churn_rate", "conversion_rate", "nrr", "grr", "clv")


def overall_lines(changes: dict[str, Any]) -> list[str]:
    """The headline figures of both runs (``overall``): old -> new (change); rates in points."""
    lines = []
    overall = changes.get("overall") or {}
    for key in sorted(overall, key=lambda k: (HEADLINE_ORDER.index(k) if k in HEADLINE_ORDER else len(HEADLINE_ORDER), k)):
        part = overall[key]
        if key in RATES:
            lines.append(f"  {key} {part['old']:.2%} -> {part['new']:.2%} ({part['change'] * 100:+.2f} pt)")
        elif key in COUNTS:
            lines.append(f"  {key} {part['old']:,} -> {part['new']:,} ({part['change']:+,})")
        else:
            lines.append(f"  {key} {_money(part['old'])} -> {_money(part['new'])} ({part['change']:+,.2f})")
    return ["overall:", *lines] if lines else []


def changes_text(changes: dict[str, Any]) -> str:
    """``segkit diff --format table``: the headline figures, then every segmentation's lines."""
    out = [f"{changes['old']['run']} -> {changes['new']['run']}", *overall_lines(changes)]
    for name in changes["segmentations"]:
        out += ["", f"by {name}", *segmentation_lines(changes, name)]
    return "\n".join(out) + "\n"


def changes_csv(changes: dict[str, Any]) -> str:
    """``segkit diff --format csv``: one row per account that changed, appeared or disappeared."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["segmentation", "account_id", "change", "from", "to"])
    for name, block in changes["segmentations"].items():
        rows = [(c["account_id"], "moved", c["from"], c["to"]) for c in block["changed"]]
        rows += [(a, "appeared", "", "") for a in block["appeared"]] + [(a, "disappeared", "", "") for a in block["disappeared"]]
        for account, change, old, new in sorted(rows):
            writer.writerow([name, _cell(account), change, _cell(old), _cell(new)])
    return buffer.getvalue()


def _cell(value: str) -> str:
    """Spreadsheet formula injection: a leading = + - @ tab or CR is quoted with an apostrophe."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

"""The MRR bridge as a waterfall: starting MRR, the period's movements, ending MRR."""

from __future__ import annotations

from typing import Any

from segkit.writers.charts._base import BAD, GOOD, MUTED, Chart, tip, top_level

#: (report field, label, sign): the order of the bridge, ending = starting + ... - ...
MOVEMENTS = (
    ("new_mrr", "New", 1), ("expansion_mrr", "Expansion", 1), ("reactivation_mrr", "Reactivation", 1),
    ("contraction_mrr", "Contraction", -1), ("churned_mrr", "Churned", -1),
)


def bridge_steps(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The waterfall's bars: each with its start and end level; empty when a field is missing."""
    if row.get("starting_mrr") is None or any(row.get(key) is None for key, _, _ in MOVEMENTS):
        return []
    level = float(row["starting_mrr"])
    steps = [{"step": "Starting", "order": 0, "start": 0.0, "end": level, "amount": level, "kind": "level"}]
    for index, (key, label, sign) in enumerate(MOVEMENTS, start=1):
        amount = sign * float(row[key])
        steps.append({"step": label, "order": index, "start": level, "end": level + amount, "amount": amount,
                      "kind": "increase" if sign > 0 else "decrease"})
        level += amount
    ending = row.get("ending_mrr")
    steps.append({"step": "Ending", "order": len(steps), "start": 0.0,
                  "end": float(ending) if ending is not None else level, "amount": float(ending) if ending is not None else level,
                  "kind": "level"})
    return steps


def bridge_chart(name: str, segment: str, row: dict[str, Any]) -> Chart:
    """A waterfall for one segment, or a note-only chart when the segment is suppressed."""
    chart_name = f"{name}:bridge:{segment}"
    if row.get("suppressed"):
        return Chart(chart_name, f"MRR bridge: {segment}", {}, note="suppressed: " + str(row.get("suppression_reason") or "too few accounts"))
    steps = bridge_steps(row)
    if not steps:
        return Chart(chart_name, f"MRR bridge: {segment}", {}, note="n/a: no MRR movements for this segment")
    order = [s["step"] for s in steps]
    bars = {"mark": {"type": "bar"}, "encoding": {
        "x": {"field": "step", "type": "nominal", "sort": order, "title": None, "axis": {"labelAngle": -30}},
        "y": {"field": "start", "type": "quantitative", "title": "MRR", "axis": {"format": "~s"}}, "y2": {"field": "end"},
        "color": {"field": "kind", "type": "nominal", "legend": None,
                  "scale": {"domain": ["level", "increase", "decrease"], "range": [MUTED, GOOD, BAD]}},
        "tooltip": [tip("step", "nominal"), tip("amount", fmt=",.0f"), tip("end", fmt=",.0f", title="level after")]}}
    return Chart(chart_name, f"MRR bridge: {segment}", top_level([bars], 160, steps))

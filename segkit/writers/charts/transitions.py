"""Transitions since the last run in --out DIR (the changes block, docs/nightly.md): a from -> to
heat map of the accounts that changed segment, per segmentation."""

from __future__ import annotations

from typing import Any

from segkit.writers.charts._base import LABEL_LIMIT, Chart, tip, top_level

ROW_HEIGHT = 28


def transition_cells(block: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"from": str(t["from"]), "to": str(t["to"]), "accounts": int(t["accounts"]), "mrr": t["mrr"]}
            for t in block.get("transitions", [])]


def movement_note(block: dict[str, Any], since: str) -> str:
    moved = sum(int(t["accounts"]) for t in block.get("transitions", []))
    return (f"{moved:,} account{'s' if moved != 1 else ''} changed segment since {since}; "
            f"{len(block.get('appeared', [])):,} appeared, {len(block.get('disappeared', [])):,} disappeared")


def transitions_chart(name: str, changes: dict[str, Any] | None, segment_order: list[str]) -> Chart | None:
    """None without a previous run (or when the segmentation is new since it)."""
    block = ((changes or {}).get("segmentations") or {}).get(name)
    if block is None:
        return None
    since = str(((changes or {}).get("old") or {}).get("as_of") or "the last run")
    title = f"Transitions since the last run ({since}): accounts from -> to"
    cells = transition_cells(block)
    note = movement_note(block, since)
    if not cells:
        return Chart(f"{name}:transitions", title, {}, note="n/a: " + note)
    seen = {c["from"] for c in cells} | {c["to"] for c in cells}
    order = [s for s in segment_order if s in seen] + sorted(seen - set(segment_order))
    axis = {"labelLimit": LABEL_LIMIT}
    x = {"field": "to", "type": "nominal", "sort": order, "title": "segment now", "axis": {**axis, "labelAngle": -30}}
    y = {"field": "from", "type": "nominal", "sort": order, "title": "segment at the last run", "axis": axis}
    tooltip = [tip("from", "nominal"), tip("to", "nominal"), tip("accounts"), tip("mrr", fmt=",.0f", title="MRR now")]
    rect = {"mark": {"type": "rect"}, "encoding": {
        "x": x, "y": y, "tooltip": tooltip,
        "color": {"field": "accounts", "type": "quantitative", "legend": None, "scale": {"scheme": "oranges", "zero": True}}}}
    text = {"mark": {"type": "text", "fontSize": 11, "fontWeight": "bold"}, "encoding": {
        "x": x, "y": y, "text": {"field": "accounts", "type": "quantitative"}, "tooltip": tooltip}}
    rows = len({c["from"] for c in cells})
    return Chart(f"{name}:transitions", title, top_level([rect, text], max(60, ROW_HEIGHT * rows), cells), note=note)

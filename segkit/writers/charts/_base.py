"""What every chart shares: the Chart record, the Vega-Lite spec helpers, and the layer that
shows a suppressed or missing value as a labelled note rather than as a zero-length bar.

Specs are plain Vega-Lite dicts: altair built the same specs at about 0.1-0.3 s a chart (its
schema wrapping), which is a minute for a report with every segmenter; a dict costs nothing
and is as deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier only: never fetched
#: Colours: one accent, a muted grey for suppressed / not significant, green/red for the bridge.
ACCENT = "#0969da"
MUTED = "#8c959f"
GOOD = "#1a7f37"
BAD = "#cf222e"
LABEL_LIMIT = 180  # px of a segment name on an axis before it is cut with an ellipsis (full in the tooltip)


@dataclass(frozen=True)
class Chart:
    """One chart of the page: a unique name (the browser test finds it by this), a title, the
    Vega-Lite spec ({} for a note-only figure, e.g. a suppressed segment) and a note under it."""

    name: str
    title: str
    spec: dict[str, Any]
    note: str = ""


def top_level(layers: list[dict[str, Any]], height: int, data: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A layered spec filling its container's width."""
    spec: dict[str, Any] = {
        "$schema": VEGA_LITE_SCHEMA, "width": "container", "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"}, "layer": layers,
        "config": {"view": {"stroke": None}, "axis": {"labelFontSize": 11, "titleFontSize": 11}},
    }
    if data is not None:
        spec["data"] = {"values": data}
    return spec


def values(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"values": rows}


def shown(expr: str = "datum.status == ''") -> list[dict[str, Any]]:
    return [{"filter": expr}]


def segment_status(row: dict[str, Any], value_key: str) -> str:
    """Why a segment has no value: '' when it has one."""
    if row.get("suppressed"):
        return "suppressed"
    if row.get(value_key) is None:
        return "n/a"
    return ""


def status_label(row: dict[str, Any], status: str, reason_key: str | None = None) -> str:
    """The words a note layer shows: suppressed with its rule, or the reason a value is missing."""
    if status == "suppressed":
        return "suppressed (" + str(row.get("suppression_reason") or "too few accounts") + ")"
    if status == "n/a":
        reason = row.get(reason_key) if reason_key else None
        return "n/a" + (f": {reason}" if reason else "")
    return ""


def segment_y() -> dict[str, Any]:
    return {"field": "segment", "type": "nominal", "sort": None, "title": None, "axis": {"labelLimit": LABEL_LIMIT}}


def note_layer(expr: str = "datum.status != ''") -> dict[str, Any]:
    """A text mark at the left edge for the rows whose ``status`` says why there is no value."""
    return {
        "transform": shown(expr),
        "mark": {"type": "text", "align": "left", "dx": 4, "color": MUTED, "fontStyle": "italic"},
        "encoding": {"x": {"value": 0}, "y": segment_y(), "text": {"field": "status_label", "type": "nominal"}},
    }


def rule_at(x: float, dashed: bool = True, title: str = "") -> dict[str, Any]:
    """A vertical reference line (all accounts, 100%, lift 1)."""
    layer: dict[str, Any] = {
        "data": values([{"x": x}]),
        "mark": {"type": "rule", "color": MUTED if dashed else "#1f2328", **({"strokeDash": [4, 3]} if dashed else {})},
        "encoding": {"x": {"field": "x", "type": "quantitative"}},
    }
    if title:
        layer["encoding"]["tooltip"] = [{"field": "x", "type": "quantitative", "title": title}]
    return layer


def tip(field: str, kind: str = "quantitative", fmt: str | None = None, title: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"field": field, "type": kind}
    if fmt:
        out["format"] = fmt
    if title:
        out["title"] = title
    return out


def bar_height(rows: int) -> int:
    """Height of a horizontal chart with one band per segment."""
    return max(60, 24 * rows)

"""Per-segmentation charts: sizes, rates with their 95% intervals, MRR and ARPA, NRR/GRR, CLV
with its interval and method. Pure functions of the report.json dict; a suppressed segment
gets a labelled note, never a zero bar."""

from __future__ import annotations

from typing import Any

from segkit.writers.charts._base import (
    ACCENT, MUTED, Chart, bar_height, note_layer, rule_at, segment_status, segment_y, shown, status_label, tip, top_level,
)


def value_rows(segments: list[dict[str, Any]], key: str, reason_key: str | None = None,
               ci_key: str | None = None) -> list[dict[str, Any]]:
    """One row per segment: value (None when suppressed or missing), interval, and why not."""
    out = []
    for seg in segments:
        status = segment_status(seg, key)
        ci = seg.get(ci_key) if ci_key and not status else None
        out.append({
            "segment": str(seg["segment"]), "value": None if status else seg.get(key),
            "low": ci[0] if ci else None, "high": ci[1] if ci else None,
            "status": status, "status_label": status_label(seg, status, reason_key),
        })
    return out


def none_shown(name: str, title: str, rows: list[dict[str, Any]]) -> Chart:
    """A note-only figure for a chart where no segment has a value (an axis with nothing on it
    would read as zeros): the distinct reasons, in order."""
    reasons = list(dict.fromkeys(r["status_label"] for r in rows if r["status_label"]))
    return Chart(name, title, {}, note="no segment has a value: " + "; ".join(reasons))


def _legend_color(field: str, domain: list[str], colours: list[str]) -> dict[str, Any]:
    return {"field": field, "type": "nominal", "scale": {"domain": domain, "range": colours},
            "legend": {"title": None, "orient": "bottom"}}


def sizes_chart(name: str, segmentation: dict[str, Any]) -> Chart:
    """Accounts per segment; a suppressed segment's bar is grey and labelled (its count is public)."""
    rows = [{
        "segment": str(s["segment"]), "accounts": s["accounts"], "share": s.get("share_of_accounts"),
        "state": "suppressed" if s.get("suppressed") else "reported",
    } for s in segmentation["segments"]]
    x = {"field": "accounts", "type": "quantitative", "title": "accounts"}
    bars = {"mark": {"type": "bar"}, "encoding": {
        "x": x, "y": segment_y(), "color": _legend_color("state", ["reported", "suppressed"], [ACCENT, MUTED]),
        "tooltip": [tip("segment", "nominal"), tip("accounts"), tip("share", fmt=".1%"), tip("state", "nominal")]}}
    labels = {"mark": {"type": "text", "align": "left", "dx": 3},
              "encoding": {"x": x, "y": segment_y(), "text": {"field": "share", "type": "quantitative", "format": ".1%"}}}
    spec = top_level([bars, labels], bar_height(len(rows)) + 20, rows)
    return Chart(f"{name}:sizes", "Segment sizes (accounts, share of all)", spec)


def interval_chart(name: str, segmentation: dict[str, Any], overall: dict[str, Any], key: str, title: str,
                   fmt: str = ".1%", reason_key: str | None = None) -> Chart:
    """A point per segment with its 95% interval bar, and the all-accounts value as a dashed rule."""
    rows = value_rows(segmentation["segments"], key, reason_key, ci_key=f"{key}_ci")
    tooltip = [tip("segment", "nominal"), tip("value", fmt=fmt, title=key),
               tip("low", fmt=fmt, title="95% low"), tip("high", fmt=fmt, title="95% high")]
    x = {"field": "value", "type": "quantitative", "title": title, "axis": {"format": fmt}}
    interval = {"transform": shown("datum.status == '' && isValid(datum.low)"),
                "mark": {"type": "rule", "color": ACCENT, "strokeWidth": 2},
                "encoding": {"x": {**x, "field": "low"}, "x2": {"field": "high"}, "y": segment_y(), "tooltip": tooltip}}
    points = {"transform": shown(), "mark": {"type": "point", "filled": True, "size": 70, "color": ACCENT},
              "encoding": {"x": x, "y": segment_y(), "tooltip": tooltip}}
    has_values = any(r["value"] is not None for r in rows)
    layers = [interval, points, note_layer()] if has_values else [note_layer()]
    chart_title = f"{title} (95% interval; dashed: all accounts)"
    if overall.get(key) is not None:
        layers.append(rule_at(float(overall[key]), title="all accounts"))
    elif not has_values:
        return none_shown(f"{name}:{key}", chart_title, rows)
    spec = top_level(layers, bar_height(len(rows)), rows)
    return Chart(f"{name}:{key}", chart_title, spec)


def bar_chart(name: str, segmentation: dict[str, Any], key: str, title: str, fmt: str = ",.0f") -> Chart:
    """One horizontal bar per segment (MRR, ARPA)."""
    rows = value_rows(segmentation["segments"], key)
    if not any(r["value"] is not None for r in rows):
        return none_shown(f"{name}:{key}", title, rows)
    bars = {"transform": shown(), "mark": {"type": "bar", "color": ACCENT}, "encoding": {
        "x": {"field": "value", "type": "quantitative", "title": title, "axis": {"format": fmt}}, "y": segment_y(),
        "tooltip": [tip("segment", "nominal"), tip("value", fmt=fmt, title=key)]}}
    spec = top_level([bars, note_layer()], bar_height(len(rows)), rows)
    return Chart(f"{name}:{key}", title, spec)


def retention_chart(name: str, segmentation: dict[str, Any]) -> Chart:
    """NRR and GRR side by side per segment, with the 100% line; one note per segment without them."""
    rows = []
    for seg in segmentation["segments"]:
        for key, label in (("nrr", "NRR"), ("grr", "GRR")):
            status = segment_status(seg, key)
            rows.append({"segment": str(seg["segment"]), "measure": label, "value": None if status else seg[key],
                         "status": status if label == "NRR" else ("hidden" if status else ""),
                         "status_label": status_label(seg, status)})
    if not any(r["value"] is not None for r in rows):
        return none_shown(f"{name}:nrr_grr", "Net and gross revenue retention", [r for r in rows if r["status"] != "hidden"])
    bars = {"transform": shown(), "mark": {"type": "bar"}, "encoding": {
        "x": {"field": "value", "type": "quantitative", "title": "revenue retention", "axis": {"format": ".0%"}},
        "y": segment_y(), "yOffset": {"field": "measure", "type": "nominal", "sort": ["NRR", "GRR"]},
        "color": _legend_color("measure", ["NRR", "GRR"], [ACCENT, "#54aeff"]),
        "tooltip": [tip("segment", "nominal"), tip("measure", "nominal"), tip("value", fmt=".1%")]}}
    notes = note_layer("datum.status != '' && datum.status != 'hidden'")
    spec = top_level([bars, notes, rule_at(1.0)], bar_height(len(segmentation["segments"])) + 20, rows)
    return Chart(f"{name}:nrr_grr", "Net and gross revenue retention (dashed: 100%)", spec)


def clv_chart(name: str, segmentation: dict[str, Any], overall: dict[str, Any]) -> Chart:
    """CLV per segment with its bootstrap interval; the method is in the title."""
    chart = interval_chart(name, segmentation, overall, "clv", "CLV", fmt=",.0f", reason_key="clv_reason")
    methods = sorted({str(s.get("clv_method")) for s in segmentation["segments"] if s.get("clv_method")})
    method = ", ".join(methods) or str(overall.get("clv_method") or "-")
    return Chart(chart.name, f"CLV by the {method} method (95% interval; dashed: all accounts)", chart.spec, chart.note)

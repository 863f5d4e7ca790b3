"""Segment quality as a lift chart: each segment's rate over the overall rate, drawn from 1,
coloured by significance (Benjamini-Hochberg q < alpha, the report's own verdict)."""

from __future__ import annotations

from typing import Any

from segkit.writers.charts._base import (
    ACCENT, MUTED, Chart, bar_height, note_layer, rule_at, segment_y, shown, status_label, tip, top_level,
)

OUTCOMES = (("churn", "Churn lift"), ("conversion", "Conversion lift"))


def lift_rows(test: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for seg in test.get("segments", []):
        status = "suppressed" if seg.get("suppressed") else ("n/a" if seg.get("lift") is None else "")
        rows.append({
            "segment": str(seg["segment"]), "lift": None if status else seg["lift"], "one": 1.0,
            "label_at": None if status else max(float(seg["lift"]), 1.0),
            "q": seg.get("q_value"), "rate": seg.get("rate"), "trials": seg.get("trials"),
            "verdict": "significant" if seg.get("significant") else "not significant",
            "status": status, "status_label": status_label(seg, status) if status else "",
            "q_label": q_label(seg.get("q_value")),
        })
    return rows


def q_label(q: float | None) -> str:
    """The bar's label: the BH-adjusted p-value, readable at any size."""
    if q is None:
        return ""
    return "q < 0.001" if q < 0.001 else f"q {q:.2g}"


def independence_note(outcome: str, test: dict[str, Any]) -> str:
    """One sentence on whether the segments differ at all (chi-square / Monte Carlo p)."""
    ind = test.get("independence") or {}
    if ind.get("p_value") is None:
        return f"{outcome}: no variation in the outcome, nothing to test"
    p_value = ind.get("monte_carlo_p_value") if ind.get("sparse") else ind.get("p_value")
    verdict = "differ" if ind.get("significant") else "do not differ significantly"
    p_text = "n/a" if p_value is None else f"{p_value:.2g}"
    return f"{outcome}: segments {verdict} ({ind.get('test', 'test')}, p = {p_text})"


def lift_chart(name: str, segmentation: dict[str, Any], outcome: str, title: str) -> Chart | None:
    """None when the segmentation has no test for this outcome."""
    test = segmentation.get("quality", {}).get("tests", {}).get(outcome)
    if not test or not test.get("segments"):
        return None
    rows = lift_rows(test)
    x = {"field": "lift", "type": "quantitative", "title": f"{outcome} rate / overall rate"}
    bars = {"transform": shown(), "mark": {"type": "bar"}, "encoding": {
        "x": x, "x2": {"field": "one"}, "y": segment_y(),
        "color": {"field": "verdict", "type": "nominal", "legend": {"title": None, "orient": "bottom"},
                  "scale": {"domain": ["significant", "not significant"], "range": [ACCENT, MUTED]}},
        "tooltip": [tip("segment", "nominal"), tip("lift", fmt=".2f"), tip("rate", fmt=".1%"), tip("trials"),
                    tip("q", fmt=".3g", title="q (BH)"), tip("verdict", "nominal")]}}
    # The label sits right of the bar's outer end when lift >= 1, right of the 1-line otherwise.
    labels = {"transform": shown(), "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 10},
              "encoding": {"x": {"field": "label_at", "type": "quantitative"}, "y": segment_y(),
                           "text": {"field": "q_label", "type": "nominal"}}}
    spec = top_level([bars, labels, note_layer(), rule_at(1.0, dashed=False)], bar_height(len(rows)) + 20, rows)
    alpha = segmentation.get("quality", {}).get("alpha", 0.05)
    note = independence_note(outcome, test) + f"; bars labelled with BH q; significant: q < {alpha:g}"
    return Chart(f"{name}:{outcome}_lift", f"{title} (1 = all accounts)", spec, note=note)

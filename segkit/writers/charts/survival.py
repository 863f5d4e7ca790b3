"""Kaplan-Meier curves of customer lifetime per segment, from report.json's ``survival`` block:
``{segmentation: SurvivalResult.to_dict()}`` (segkit.metrics.survival), drawn when present."""

from __future__ import annotations

from typing import Any

from segkit.writers.charts._base import Chart, tip, top_level


def curve_points(curve: dict[str, Any]) -> list[dict[str, Any]]:
    """The step function's corners from t = 0 (S = 1), with the 95% band."""
    points = [{"segment": curve["segment"], "months": 0.0, "survival": 1.0, "low": 1.0, "high": 1.0}]
    for t, s, lo, hi in zip(curve["times"], curve["survival"], curve["ci_low"], curve["ci_high"]):
        points.append({"segment": curve["segment"], "months": t, "survival": s, "low": lo, "high": hi})
    return points


def survival_note(result: dict[str, Any]) -> str:
    """Restricted mean lifetime per segment and the log-rank verdicts, in one caption."""
    horizon = result["horizon_months"]
    means = "; ".join(f"{c['segment']} {c['restricted_mean_months']:.1f}" for c in result["curves"])
    text = f"restricted mean lifetime to {horizon:g} months: {means}"
    medians = "; ".join(f"{c['segment']} {'not reached' if c.get('median_months') is None else format(c['median_months'], '.1f')}"
                        for c in result["curves"])
    text += f". Median lifetime, months: {medians}"
    if result.get("overall_p_value") is not None:
        text += f". Log-rank, segments differ: p = {result['overall_p_value']:.2g}"
    standouts = [t["segment"] for t in result.get("tests", []) if t.get("significant")]
    if standouts:
        text += "; stand out (BH q < 0.05): " + ", ".join(standouts)
    excluded = result.get("excluded") or {}
    if excluded:
        text += ". Left out: " + ", ".join(f"{n:,} {reason}" for reason, n in sorted(excluded.items()))
    return text


def survival_chart(name: str, result: dict[str, Any]) -> Chart | None:
    """None without curves."""
    points = [p for curve in result.get("curves", []) for p in curve_points(curve)]
    if not points:
        return None
    colour = {"field": "segment", "type": "nominal", "legend": {"title": None, "orient": "bottom"}}
    x = {"field": "months", "type": "quantitative", "title": "months since first payment"}
    band = {"mark": {"type": "area", "interpolate": "step-after", "opacity": 0.15},
            "encoding": {"x": x, "y": {"field": "low", "type": "quantitative"}, "y2": {"field": "high"}, "color": colour}}
    line = {"mark": {"type": "line", "interpolate": "step-after"}, "encoding": {
        "x": x, "y": {"field": "survival", "type": "quantitative", "title": "still paying", "axis": {"format": ".0%"},
                      "scale": {"domain": [0, 1]}},
        "color": colour, "tooltip": [tip("segment", "nominal"), tip("months", fmt=".1f"), tip("survival", fmt=".1%"),
                                     tip("low", fmt=".1%", title="95% low"), tip("high", fmt=".1%", title="95% high")]}}
    spec = top_level([band, line], 240, points)
    return Chart(f"{name}:survival", "Customer lifetime (Kaplan-Meier, 95% band)", spec, note=survival_note(result))


def survival_charts(data: dict[str, Any]) -> list[Chart]:
    charts = []
    for name in sorted(data.get("survival") or {}):
        chart = survival_chart(name, data["survival"][name])
        if chart is not None:
            charts.append(chart)
    return charts

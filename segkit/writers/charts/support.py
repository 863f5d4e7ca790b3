"""Support and churn-reason charts per segmentation, drawn where the run read a tickets or a
cancellations table (segkit.metrics.support): ticket load, CSAT and resolution time per
segment; churn reasons and voluntary vs failed-payment cancellations per segment."""

from __future__ import annotations

from typing import Any

from segkit.writers.charts._base import (
    ACCENT, BAD, Chart, bar_height, note_layer, segment_status, segment_y, shown, status_label, tip, top_level,
)
from segkit.writers.charts.segments import bar_chart, none_shown

#: (report key, title, axis format), drawn when all accounts have the figure
TICKET_CHARTS = (
    ("tickets_per_account", "Tickets per account (opened in the period)", ".1f"),
    ("csat", "CSAT (satisfied / rated tickets)", ".0%"),
    ("median_resolution_hours", "Median resolution time, hours", ",.1f"),
)
#: reasons drawn by name; the rest are summed as "other"
TOP_REASONS = 6
OTHER = "other"


def ticket_charts(name: str, segmentation: dict[str, Any], overall: dict[str, Any]) -> list[Chart]:
    if overall.get("tickets") is None:
        return []
    return [bar_chart(name, segmentation, key, title, fmt=fmt) for key, title, fmt in TICKET_CHARTS
            if overall.get(key) is not None]


def top_reasons(overall: dict[str, Any]) -> list[str]:
    """The most common reasons over all accounts (the report's own order: count, then name)."""
    return list((overall.get("churn_reasons") or {}))[:TOP_REASONS]


def reason_rows(segments: list[dict[str, Any]], reasons: list[str]) -> list[dict[str, Any]]:
    """(segment, reason, cancellations, share) per segment with cancellations; a note row otherwise."""
    rows = []
    for seg in segments:
        status = segment_status(seg, "churn_reasons")
        counts = seg.get("churn_reasons") or {}
        total = sum(counts.values())
        if not status and not total:
            status, label = "n/a", "n/a: no cancellations in the period"
        else:
            label = status_label(seg, status)
        if status:
            rows.append({"segment": str(seg["segment"]), "reason": None, "cancellations": None, "share": None,
                         "status": status, "status_label": label})
            continue
        grouped: dict[str, int] = {}
        for reason, count in counts.items():
            key = reason if reason in reasons else OTHER
            grouped[key] = grouped.get(key, 0) + int(count)
        for reason in [*reasons, OTHER]:
            if grouped.get(reason):
                rows.append({"segment": str(seg["segment"]), "reason": reason, "cancellations": grouped[reason],
                             "share": grouped[reason] / total, "status": "", "status_label": ""})
    return rows


def churn_reasons_chart(name: str, segmentation: dict[str, Any], overall: dict[str, Any]) -> Chart | None:
    """Each segment's cancellations split by reason (shares of the segment's own); None without the table."""
    if overall.get("churn_reasons") is None:
        return None
    reasons = top_reasons(overall)
    rows = reason_rows(segmentation["segments"], reasons)
    domain = [*reasons, *([OTHER] if any(r["reason"] == OTHER for r in rows) else [])]
    bars = {"transform": shown(), "mark": {"type": "bar"}, "encoding": {
        "x": {"field": "cancellations", "type": "quantitative", "stack": "normalize", "title": "share of the segment's cancellations",
              "axis": {"format": ".0%"}},
        "y": segment_y(), "order": {"field": "reason_order", "type": "quantitative"},
        "color": {"field": "reason", "type": "nominal", "scale": {"domain": domain, "scheme": "tableau10"},
                  "legend": {"title": None, "orient": "bottom", "columns": 3, "labelLimit": 200}},
        "tooltip": [tip("segment", "nominal"), tip("reason", "nominal"), tip("cancellations"), tip("share", fmt=".0%")]}}
    for row in rows:
        row["reason_order"] = domain.index(row["reason"]) if row["reason"] in domain else None
    if not any(row["status"] == "" for row in rows):
        return none_shown(f"{name}:churn_reasons", "Churn reasons (cancellations in the period)", rows)
    spec = top_level([bars, note_layer()], bar_height(len(segmentation["segments"])) + 40, rows)
    note = "reasons: the customer's feedback, else the billing system's code; " + (
        f"the {len(reasons)} most common over all accounts by name, the rest as 'other'" if len(overall["churn_reasons"]) > len(reasons)
        else "every reason given")
    return Chart(f"{name}:churn_reasons", "Churn reasons (cancellations in the period)", spec, note=note)


def churn_kind_chart(name: str, segmentation: dict[str, Any], overall: dict[str, Any]) -> Chart | None:
    """Voluntary vs failed-payment cancellations per segment; None when the export cannot tell them apart."""
    if overall.get("churn_voluntary") is None:
        return None
    rows = []
    for seg in segmentation["segments"]:
        status = segment_status(seg, "churn_voluntary")
        label = status_label(seg, status) if status != "n/a" else "n/a: no cancellations in the period"
        if status:
            rows.append({"segment": str(seg["segment"]), "kind": None, "cancellations": None, "order": 0,
                         "status": status, "status_label": label})
            continue
        for order, (kind, key) in enumerate((("voluntary", "churn_voluntary"), ("failed payment", "churn_failed_payment"))):
            rows.append({"segment": str(seg["segment"]), "kind": kind, "cancellations": int(seg.get(key) or 0),
                         "order": order, "status": "", "status_label": ""})
    if not any(row["status"] == "" for row in rows):
        return none_shown(f"{name}:churn_kind", "Voluntary vs failed-payment cancellations", rows)
    bars = {"transform": shown(), "mark": {"type": "bar"}, "encoding": {
        "x": {"field": "cancellations", "type": "quantitative", "title": "cancellations"}, "y": segment_y(),
        "order": {"field": "order", "type": "quantitative"},
        "color": {"field": "kind", "type": "nominal", "legend": {"title": None, "orient": "bottom"},
                  "scale": {"domain": ["voluntary", "failed payment"], "range": [ACCENT, BAD]}},
        "tooltip": [tip("segment", "nominal"), tip("kind", "nominal"), tip("cancellations")]}}
    spec = top_level([bars, note_layer()], bar_height(len(segmentation["segments"])) + 20, rows)
    return Chart(f"{name}:churn_kind", "Voluntary vs failed-payment cancellations", spec,
                 note="failed payment: codes such as Stripe's payment_failed; voluntary: the customer asked")


def support_charts(name: str, segmentation: dict[str, Any], overall: dict[str, Any]) -> list[Chart]:
    """Every support and churn-reason chart the run's inputs allow, in page order."""
    charts = ticket_charts(name, segmentation, overall)
    charts += [c for c in (churn_reasons_chart(name, segmentation, overall), churn_kind_chart(name, segmentation, overall))
               if c is not None]
    return charts


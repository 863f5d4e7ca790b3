"""The human-facing view of a report (terminal, Markdown, HTML): which columns, how formatted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from segkit.report import Report


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _rate_ci(row: dict[str, Any], key: str) -> str:
    value, ci = row.get(key), row.get(f"{key}_ci")
    if value is None:
        return "-"
    return f"{value * 100:.1f}% ({ci[0] * 100:.0f}-{ci[1] * 100:.0f})" if ci else _pct(value)


def _nps(value: float | None) -> str:
    return "-" if value is None else f"{value:+.0f}"


COLUMNS: list[tuple[str, Callable[[dict[str, Any]], str], bool]] = [
    ("Accounts", lambda r: _count(r.get("accounts")), True),
    ("Customers", lambda r: _count(r.get("customers")), True),
    ("Conversion (95% CI)", lambda r: _rate_ci(r, "conversion_rate"), True),
    ("Churn (95% CI)", lambda r: _rate_ci(r, "churn_rate"), True),
    ("Monthly churn", lambda r: _pct(r.get("monthly_churn_rate")), True),
    ("MRR", lambda r: _money(r.get("mrr")), True),
    ("ARPA", lambda r: _money(r.get("arpa")), True),
    ("CLV", lambda r: _money(r.get("clv")), True),
    ("NRR", lambda r: _pct(r.get("nrr")), True),
]
WIDE_COLUMNS = [("GRR", lambda r: _pct(r.get("grr")), True)]
NPS_COLUMN = ("NPS", lambda r: _nps(r.get("nps")), True)


#: --columns names -> the column's header (and its order in the tables)
COLUMN_NAMES = {
    "accounts": "Accounts", "customers": "Customers", "conversion": "Conversion (95% CI)", "churn": "Churn (95% CI)",
    "monthly_churn": "Monthly churn", "mrr": "MRR", "arpa": "ARPA", "clv": "CLV", "nrr": "NRR", "grr": "GRR", "nps": "NPS",
}
#: what the terminal always shows in full, whatever its width (besides the segment)
ESSENTIAL_COLUMNS = ("accounts", "churn", "mrr", "nrr", "clv")


def column_name(header: str) -> str:
    """The --columns name of a header."""
    return next(name for name, h in COLUMN_NAMES.items() if h == header)


def columns_for(report: Report, wide: bool = False) -> list[tuple[str, Callable[[dict[str, Any]], str], bool]]:
    """The terminal shows the compact set; Markdown and HTML also show GRR."""
    has_nps = report.data["overall"].get("nps_responses") is not None
    return COLUMNS + (WIDE_COLUMNS if wide else []) + ([NPS_COLUMN] if has_nps else [])


def display_rows(report: Report, name: str, wide: bool = False) -> list[tuple[str, list[str], bool]]:
    """(segment, cells, suppressed) for a segmentation, then the overall row."""
    columns = columns_for(report, wide)
    rows = []
    for seg in report.segmentations[name]["segments"]:
        if seg.get("suppressed"):
            cells = [_count(seg["accounts"])] + ["*"] * (len(columns) - 1)
        else:
            cells = [fmt(seg) for _, fmt, _ in columns]
        rows.append((seg["segment"], cells, bool(seg.get("suppressed"))))
    overall = report.data["overall"]
    rows.append(("All accounts", [fmt(overall) for _, fmt, _ in columns], False))
    return rows


def _as_of_source(data: dict) -> str:
    """`` (from events.timestamp)``: what set as-of, when report.json says."""
    source = data.get("as_of_source")
    return f" (from {source})" if source else ""


def caption(report: Report) -> str:
    data = report.data
    params = data["parameters"]
    return (
        f"as of {data['as_of']}{_as_of_source(data)}, period {data['period']['start']} to {data['period']['end']}; "
        f"CLV {params['clv_method']} at gross margin {params['gross_margin']:g}; "
        f"* = fewer than {params['min_segment_size']} accounts, suppressed"
    )


def _p(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value < 1e-300:
        return "< 1e-300"
    return f"= {value:.2g}" if value >= 0.001 else f"= {value:.0e}"


def quality_lines(report: Report, name: str) -> list[str]:
    """One line per outcome: do the segments differ, and which segments stand out (BH q < 0.05)."""
    return segmentation_quality_lines(report.segmentations[name])


def model_line(segmentation: dict[str, Any]) -> str | None:
    """A model-based segmentation's cross-validated figures and verdict (churn_risk), in one line."""
    model = segmentation.get("quality", {}).get("churn_risk")
    if not model or model.get("cv_roc_auc") is None:
        return None
    base = (model.get("training") or {}).get("base_rate")
    text = f"churn model ({model.get('model', 'model')}, {model.get('cv_folds', '?')}-fold cross-validated): AUC {model['cv_roc_auc']:.2f}"
    if model.get("cv_brier_score") is not None:
        text += f", Brier {model['cv_brier_score']:.3f}"
        if model.get("cv_brier_score_baseline") is not None:
            text += f" vs {model['cv_brier_score_baseline']:.3f} for the base rate"
            text += f" ({base * 100:.1f}%)" if base is not None else ""
    return text + (f"; verdict: {model['verdict']}" if model.get("verdict") else "")


def segmentation_quality_lines(segmentation: dict[str, Any]) -> list[str]:
    """``quality_lines`` of one segmentation's report.json dict (the model's verdict last)."""
    tests = segmentation.get("quality", {}).get("tests", {})
    lines = []
    for outcome in ("churn", "conversion"):
        test = tests.get(outcome)
        if test and test.get("omitted"):
            lines.append(f"{outcome}: not tested, {test['omitted']}")
            continue
        if not test or not test.get("independence") or test["independence"].get("p_value") is None:
            continue  # no variation in the outcome: nothing to test
        ind = test["independence"]
        verdict = "differ" if ind.get("significant") else "do not differ significantly"
        p_value = ind.get("monte_carlo_p_value") if ind.get("sparse") else ind.get("p_value")
        text = f"{outcome}: segments {verdict} (p {_p(p_value)}"
        if ind.get("cramers_v") is not None:
            text += f", Cramér's V {ind['cramers_v']:.2f}"
        text += ")"
        standouts = [s for s in test.get("segments", []) if s.get("significant")]
        if standouts:
            text += "; stand out: " + ", ".join(f"{s['segment']} x{s['lift']:.2f}" for s in standouts)
        lines.append(text)
    model = model_line(segmentation)
    return lines + ([model] if model else [])


def check_lines(report: Report) -> list[str]:
    """report.json's plausibility checks, one line each: the code, the figure and what to look at."""
    return [f"check {c['code']} ({c['figure']} = {c['value']}): {c['message']}" for c in report.data.get("checks", [])]


def money_lines(report: Report) -> list[str]:
    """The reporting currency and the rate source (report.json's ``money``), one line; none without one."""
    return money_text(report.data)


def money_text(data: dict[str, Any]) -> list[str]:
    """``money_lines`` of a report.json dict."""
    money = data.get("money")
    if not money:
        return []
    source = money.get("rate_source")
    if isinstance(source, dict):
        files = ", ".join(f"{f} (sha256 {h[:12]})" for f, h in zip(source.get("files", []), source.get("sha256", [])))
        others = [c for c in money.get("currencies", []) if c != money["reporting_currency"]]
        text = f"converted from {', '.join(others)} with fx_rates {files}, the latest rate on or before each reading"
    else:
        text = str(source)
    return [f"amounts in {money['reporting_currency']}: {text}"]

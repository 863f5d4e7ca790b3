"""The chart specs and the report page as pure functions of report.json (no browser)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from segkit.writers.charts import render_report_page, segmentation_charts
from segkit.writers.charts.bridge import bridge_chart, bridge_steps
from segkit.writers.charts.runtime import script_json, vega_runtime

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def demo() -> dict:
    return json.loads((GOLDEN / "samples-demo.json").read_text())


def test_bridge_steps_walk_from_starting_to_ending_mrr():
    row = {"starting_mrr": 100.0, "new_mrr": 30.0, "expansion_mrr": 5.0, "reactivation_mrr": 0.0,
           "contraction_mrr": 2.0, "churned_mrr": 10.0, "ending_mrr": 123.0}
    steps = bridge_steps(row)
    assert [(s["step"], s["start"], s["end"]) for s in steps] == [
        ("Starting", 0.0, 100.0), ("New", 100.0, 130.0), ("Expansion", 130.0, 135.0), ("Reactivation", 135.0, 135.0),
        ("Contraction", 135.0, 133.0), ("Churned", 133.0, 123.0), ("Ending", 0.0, 123.0)]


def test_every_demo_bridge_closes_on_its_ending_mrr():
    for seg in demo()["segmentations"]["firmographic"]["segments"]:
        steps = bridge_steps(seg)
        if steps:
            assert abs(steps[-2]["end"] - steps[-1]["end"]) < 0.01, seg["segment"]


def test_a_suppressed_segment_is_a_labelled_note_never_a_zero():
    data = demo()
    seg = next(s for s in data["segmentations"]["firmographic"]["segments"] if s["suppressed"])
    assert bridge_chart("firmographic", seg["segment"], seg).spec == {}
    for chart in segmentation_charts("firmographic", data["segmentations"]["firmographic"], data["overall"]):
        rows = chart.spec["data"]["values"]
        mine = [r for r in rows if r["segment"] == seg["segment"]]
        if chart.name.endswith(":sizes"):
            assert mine[0]["state"] == "suppressed"
            continue
        assert mine and all(r.get("value") is None and r.get("lift") is None for r in mine), chart.name
        assert any(r["status_label"].startswith("suppressed") for r in mine), chart.name


def test_a_chart_where_no_segment_has_a_value_is_a_note_not_an_empty_axis():
    data = demo()
    segmentation = copy.deepcopy(data["segmentations"]["firmographic"])
    for seg in segmentation["segments"]:
        seg.update(clv=None, clv_ci=None, mrr=None, clv_reason=seg["clv_reason"] or "fewer than 5 customers")
    overall = {**data["overall"], "clv": None}
    charts = {c.name: c for c in segmentation_charts("firmographic", segmentation, overall)}
    for name in ("firmographic:clv", "firmographic:mrr"):
        assert charts[name].spec == {} and charts[name].note.startswith("no segment has a value: "), name
    assert "suppressed (fewer than 5 accounts" in charts["firmographic:clv"].note


def test_script_json_cannot_close_the_script():
    text = script_json({"segment": "</script><script>alert(1)</script><!--"})
    assert "</" not in text and "<" not in text
    assert json.loads(text) == {"segment": "</script><script>alert(1)</script><!--"}


def test_page_escapes_every_text_and_embeds_no_url():
    data = copy.deepcopy(demo())
    evil = "<img src=x onerror=alert(1)></script>"
    seg = data["segmentations"]["firmographic"]["segments"][0]
    seg["segment"] = evil
    data["warnings"].append({"code": "x<y", "message": evil})
    page = render_report_page(data)
    assert evil not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 3 and all("</script" not in s.lower() for s in scripts)
    markup = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", markup)
    assert page.count(vega_runtime()) == 1


def test_page_is_deterministic():
    assert render_report_page(demo()) == render_report_page(demo())


def test_without_support_tables_or_a_previous_run_there_are_no_such_charts():
    from segkit.writers.charts.support import support_charts
    from segkit.writers.charts.transitions import transitions_chart

    data = demo()
    segmentation = data["segmentations"]["firmographic"]
    assert support_charts("firmographic", segmentation, data["overall"]) == []
    assert transitions_chart("firmographic", None, []) is None
    page = render_report_page(data)
    assert ":transitions'" not in page and ":churn_reasons'" not in page and ":tickets_per_account'" not in page
    assert "no previous run to compare with" in page and "<h3>Plausibility checks</h3>" in page


def test_churn_reasons_are_shares_of_each_segment_with_the_rare_ones_as_other():
    from segkit.writers.charts.support import TOP_REASONS, churn_reasons_chart

    reasons = {f"r{i}": 10 - i for i in range(TOP_REASONS + 2)}  # r0 most common ... r7 least
    segments = [
        {"segment": "A", "suppressed": False, "churn_reasons": {"r0": 3, "r7": 1}, "churn_voluntary": 4},
        {"segment": "B", "suppressed": True, "suppression_reason": "fewer than 5 accounts", "churn_reasons": None},
        {"segment": "C", "suppressed": False, "churn_reasons": {}, "churn_voluntary": 0},
    ]
    chart = churn_reasons_chart("x", {"segments": segments}, {"churn_reasons": reasons})
    rows = chart.spec["data"]["values"]
    assert [(r["segment"], r["reason"], r["cancellations"], r["share"]) for r in rows if not r["status"]] == [
        ("A", "r0", 3, 0.75), ("A", "other", 1, 0.25)]
    notes = {r["segment"]: r["status_label"] for r in rows if r["status"]}
    assert notes == {"B": "suppressed (fewer than 5 accounts)", "C": "n/a: no cancellations in the period"}
    assert chart.spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == [f"r{i}" for i in range(TOP_REASONS)] + ["other"]


def test_transitions_are_a_from_to_grid_in_segment_order():
    from segkit.writers.charts.transitions import transitions_chart

    changes = {"old": {"as_of": "2026-11-30"}, "segmentations": {"size": {
        "transitions": [{"from": "SMB", "to": "Mid-Market", "accounts": 12, "mrr": 1200.0},
                        {"from": "Mid-Market", "to": "SMB", "accounts": 1, "mrr": 50.0}],
        "appeared": ["a9"], "disappeared": []}}}
    chart = transitions_chart("size", changes, ["SMB", "Mid-Market", "Enterprise"])
    assert chart.name == "size:transitions" and "2026-11-30" in chart.title
    assert chart.note == "13 accounts changed segment since 2026-11-30; 1 appeared, 0 disappeared"
    assert chart.spec["layer"][0]["encoding"]["x"]["sort"] == ["SMB", "Mid-Market"]
    assert [(c["from"], c["to"], c["accounts"]) for c in chart.spec["data"]["values"]] == [
        ("SMB", "Mid-Market", 12), ("Mid-Market", "SMB", 1)]


def test_the_overview_draws_the_checks_that_fired_and_the_warnings():
    data = demo()
    data["checks"] = [{"code": "nrr_outside_norms", "figure": "nrr", "value": 2.5, "threshold": "outside 0.5..2",
                       "message": "NRR 250% is far outside SaaS norms: check <units>"}]
    data["warnings"] = [{"code": "input", "message": "accounts: 1 rows with a duplicate account_id"}]
    page = render_report_page(data)
    overview = page[page.index("<section id='overview'>"):page.index("</section>")]
    assert ("<li data-check='nrr_outside_norms'><b>nrr_outside_norms</b> (nrr = 2.5, threshold outside 0.5..2): "
            "NRR 250% is far outside SaaS norms: check &lt;units&gt;</li>") in overview
    assert "<li><b>input</b>: accounts: 1 rows with a duplicate account_id</li>" in overview

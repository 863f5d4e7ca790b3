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

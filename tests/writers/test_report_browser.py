"""The chart report rendered by a real browser (Debian's headless Chromium): every chart draws
data marks, the console stays clean, nothing is fetched, nothing overflows at 1024 px."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.writers.browser import Browser, external_requests, unavailable_reason
from tests.writers.report_runs import segkit, two_runs_with_support

#: what a user runs: `segkit segment --config configs/samples.toml --out DIR` (the default
#: segmenters), and a one-segmenter run with the sBG CLV and per-segment cohort heatmaps
RUNS = {
    "samples": (),
    "samples-sbg": ("--by", "value", "--clv-method", "sbg", "--cohorts-by-segment"),
    # two runs into one --out DIR with tickets and cancellations: changes, support, churn reasons
    "samples-two-runs-support": None,
}

CHARTS_JS = """Array.from(document.querySelectorAll('figure.chart')).map(function (f) {
  var vis = f.querySelector('.vis');
  return {name: f.getAttribute('data-chart'), noteOnly: f.classList.contains('note-only'),
          rendered: vis ? vis.getAttribute('data-rendered') : null,
          marks: f.querySelectorAll('.role-mark:not(.mark-text) > *').length,
          text: f.textContent};
})"""

CARDS_JS = """Array.from(document.querySelectorAll('#overview .card')).map(function (c) {
  return {figure: c.getAttribute('data-figure'), text: c.textContent};
})"""

OVERFLOW_JS = """(function () {
  var width = window.innerWidth;
  var wide = Array.from(document.querySelectorAll('body *:not(svg *)')).filter(function (el) {
    if (el.closest('.table-box')) return false;  // wide tables scroll inside their own box
    return el.getBoundingClientRect().right > width + 0.5;
  }).slice(0, 5).map(function (el) { return el.tagName + '.' + el.getAttribute('class'); });
  return {scrollWidth: document.documentElement.scrollWidth, width: width, wide: wide};
})()"""


@pytest.fixture(scope="module")
def browser():
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    with Browser(width=1024, height=800) as session:
        yield session


def expected_charts(data: dict, changes: dict | None = None) -> set[str]:
    names = set()
    overall = data["overall"]
    for name, seg in data["segmentations"].items():
        if changes is not None and name in changes["segmentations"]:
            names.add(f"{name}:transitions")
        if overall.get("tickets") is not None:
            names |= {f"{name}:{k}" for k in ("tickets_per_account", "csat", "median_resolution_hours") if overall.get(k) is not None}
        names |= {f"{name}:{k}" for k, key in (("churn_reasons", "churn_reasons"), ("churn_kind", "churn_voluntary"))
                  if overall.get(key) is not None}
        names |= {f"{name}:{k}" for k in ("sizes", "churn_rate", "conversion_rate", "mrr", "arpa", "nrr_grr", "clv")}
        names |= {f"{name}:bridge:{s['segment']}" for s in seg["segments"]}
        tests = seg["quality"]["tests"]  # an omitted (circular) test has no lift to chart
        names |= {f"{name}:{o}_lift" for o in ("churn", "conversion") if o in tests and not tests[o].get("omitted")}
        names |= {f"{name}:cohorts:{s}:{k}" for s in seg.get("cohorts", {}) for k in ("logo_retention", "revenue_retention")}
    names |= {"cohorts:logo_retention", "cohorts:revenue_retention"}
    names |= {f"{name}:survival" for name in data.get("survival", {})}
    return names


def segkit_out(tmp_path: Path, extra: tuple[str, ...] | None) -> Path:
    """Run the segkit command from the repository root, as a user would, into tmp_path/out."""
    if extra is None:
        return two_runs_with_support(tmp_path)
    out = tmp_path / "out"
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-m", "segkit", "segment", "--config", "configs/samples.toml", *extra,
                           "--out", str(out), "--quiet"], cwd=REPO, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize("sample", sorted(RUNS))
def test_report_renders_in_chromium(browser, sample, tmp_path):
    out = segkit_out(tmp_path, RUNS[sample])
    data = json.loads((out / "report.json").read_text())
    changes = json.loads((out / "changes.json").read_text()) if (out / "changes.json").exists() else None
    assert data["survival"], "the sample run has billing spells, so report.json has survival"
    page = out / "report.html"
    browser.log.requests.clear()
    browser.log.errors.clear()
    browser.log.warnings.clear()
    browser.open(page, ready="document.body.getAttribute('data-charts') === 'done'")

    charts = {c["name"]: c for c in browser.evaluate(CHARTS_JS)}
    assert set(charts) == expected_charts(data, changes)
    for name, chart in sorted(charts.items()):
        if chart["noteOnly"]:
            assert "suppressed" in chart["text"] or "n/a" in chart["text"], name
        else:
            assert chart["rendered"] == "ok", name
            assert chart["marks"] > 0, f"{name}: empty frame"
    for name, seg in data["segmentations"].items():  # suppressed: a drawn label, never a zero bar
        if any(s["suppressed"] for s in seg["segments"]):
            for kind in ("churn_rate", "mrr", "nrr_grr", "clv"):
                assert "suppressed (" in charts[f"{name}:{kind}"]["text"], f"{name}:{kind}"

    cards = {c["figure"]: c["text"] for c in browser.evaluate(CARDS_JS)}
    if changes is not None:  # each headline card says how far it moved since the last run
        since = changes["old"]["as_of"]
        churn = changes["overall"]["churn_rate"]["change"] * 100
        assert f"{churn:+.1f} pt since {since}" in cards["churn_rate"], cards["churn_rate"]
        assert all(f"since {since}" in cards[key] for key in changes["overall"]), cards
        assert any(charts[f"{n}:transitions"]["marks"] > 0 for n in changes["segmentations"]), "some account moved"
    else:
        assert not any("since" in text for text in cards.values()), cards
    assert browser.evaluate("document.querySelector('#overview').textContent").count("Plausibility checks") == 1

    assert browser.log.errors == []
    assert browser.log.warnings == []  # Vega-Lite warns on a spec it has to guess about
    assert external_requests(browser.log, page) == []
    overflow = browser.evaluate(OVERFLOW_JS)
    assert overflow["scrollWidth"] <= overflow["width"] and overflow["wide"] == [], overflow
    shot = browser.screenshot(tmp_path / f"{sample}.png")
    assert shot.stat().st_size > 10_000


def test_icp_page_renders_its_lift_chart(browser, tmp_path):
    """``segkit icp --format html``: the lift chart draws its bars; clean console, no request."""
    done = segkit("icp", "--config", "configs/samples.toml", "--format", "html")
    assert done.returncode == 0, done.stderr
    page = tmp_path / "icp.html"
    page.write_text(done.stdout)
    browser.log.requests.clear()
    browser.log.errors.clear()
    browser.log.warnings.clear()
    browser.open(page, ready="document.body.getAttribute('data-charts') === 'done'")
    charts = {c["name"]: c for c in browser.evaluate(CHARTS_JS)}
    assert set(charts) == {"icp:lift"}
    assert charts["icp:lift"]["rendered"] == "ok" and charts["icp:lift"]["marks"] > 0
    assert browser.log.errors == [] and browser.log.warnings == []
    assert external_requests(browser.log, page) == []
    overflow = browser.evaluate(OVERFLOW_JS)
    assert overflow["scrollWidth"] <= overflow["width"] and overflow["wide"] == [], overflow


def test_without_chromium_the_test_skips_saying_why(monkeypatch):
    import tests.writers.browser as helper

    monkeypatch.setattr(helper, "CHROMIUM", Path("/nonexistent/chromium"))
    assert helper.unavailable_reason() == (
        "/nonexistent/chromium not installed (make test installs Debian's chromium when run as root with apt)")

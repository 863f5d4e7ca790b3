"""File size and render time of a real report.html in headless Chromium, and its screenshot.

    segkit segment --config configs/samples.toml --out demo-out
    .venv/bin/python benchmarks/sample_report.py demo-out/report.html --repeats 5 --screenshot docs/report-html.png

Render time: navigation start until every chart is drawn (the page sets data-charts=done), at
1024 px, median of --repeats loads. The screenshot is the top of the page (--height px).
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.report_charts import DONE_OBSERVER  # noqa: E402
from tests.writers.browser import Browser  # noqa: E402


def render_ms(browser: Browser, page: Path) -> float:
    browser.call("Page.addScriptToEvaluateOnNewDocument", session=True, source=DONE_OBSERVER)
    browser.open(page, ready="document.body.getAttribute('data-charts') === 'done'", wait=120)
    while browser.evaluate("window.__done === undefined"):
        time.sleep(0.05)
    return float(browser.evaluate("window.__done"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("page", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--screenshot", type=Path)
    parser.add_argument("--height", type=int, default=1400)
    args = parser.parse_args()
    with Browser(width=1024, height=args.height, timeout=120) as browser:
        times = [render_ms(browser, args.page) for _ in range(args.repeats)]
        charts = browser.evaluate("document.querySelectorAll('figure.chart .vis').length")
        if args.screenshot:
            data = browser.call("Page.captureScreenshot", session=True, format="png",
                                clip={"x": 0, "y": 0, "width": 1024, "height": args.height, "scale": 1})["data"]
            args.screenshot.write_bytes(base64.b64decode(data))
    size = args.page.stat().st_size
    print(f"{args.page}: {size:,} bytes ({size / 1e6:.2f} MB), {charts} charts; render median {statistics.median(times):.0f} ms "
          f"(min {min(times):.0f}, max {max(times):.0f}; {args.repeats} loads)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

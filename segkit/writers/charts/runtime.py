"""The chart runtime inlined in the page (Vega, Vega-Lite and vega-embed: the npm builds vendored
in ``vendor/``), and JSON made safe to sit inside a <script>.

Vendored rather than bundled at run time by vl-convert-python: that package is 84 MB and its
bundler took 4 s (idle) to 20 s (loaded machine) per process; the three files are 0.8 MB.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

#: file name -> version, in load order (vega-embed needs the globals vega and vegaLite).
RUNTIME_FILES = (("vega.min.js", "vega", "6.4.0"), ("vega-lite.min.js", "vega-lite", "6.4.3"),
                 ("vega-embed.min.js", "vega-embed", "7.3.0"))
_SCRIPT_END = re.compile(r"</(script)", re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def vega_runtime() -> str:
    """The three builds as one script body."""
    vendor = resources.files("segkit.writers.charts") / "vendor"
    bundle = "\n;\n".join((vendor / name).read_text(encoding="utf-8") for name, _, _ in RUNTIME_FILES)
    # '<\/script' means the same inside JavaScript strings and regexes, and cannot end the tag.
    return _SCRIPT_END.sub(r"<\\/\1", bundle)


def runtime_versions() -> dict[str, str]:
    return {package: version for _, package, version in RUNTIME_FILES}


def script_json(value: Any) -> str:
    """JSON for a <script type="application/json">: '<', '>' and '&' as \\u escapes, so no text
    in the data ('</script>', '<!--') can close or confuse the script element."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


EMBED_SCRIPT = """
(function () {
  var specs = JSON.parse(document.getElementById('segkit-chart-specs').textContent);
  var jobs = Object.keys(specs).map(function (id) {
    var el = document.getElementById(id);
    var name = el.parentNode.getAttribute('data-chart');
    return vegaEmbed(el, specs[id], {renderer: 'svg', actions: false}).then(function () {
      el.setAttribute('data-rendered', 'ok');
    }).catch(function (err) {
      el.setAttribute('data-rendered', 'error');
      console.error('chart ' + name + ': ' + err);
    });
  });
  Promise.all(jobs).then(function () { document.body.setAttribute('data-charts', 'done'); });
})();
"""

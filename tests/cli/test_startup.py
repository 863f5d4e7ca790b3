"""Start-up stays light: the command line imports the heavy libraries only when a command runs.

Issue 14 goal 4 (``segkit --help`` under 0.3 s) is measured in ``benchmarks/``; here only what
is imported is checked (never a timing).
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("scipy", "sklearn", "pyspark", "duckdb", "pandas", "pyarrow")


def _imported_after(code: str) -> list[str]:
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_cli_loads_no_heavy_library():
    assert _imported_after("import segkit.cli, segkit.cli.main") == []


def test_help_loads_no_heavy_library():
    code = (
        "from typer.testing import CliRunner\n"
        "from segkit.cli.main import app\n"
        "result = CliRunner().invoke(app, ['--help'])\n"
        "assert result.exit_code == 0, result.output"
    )
    assert _imported_after(code) == []


def test_the_metrics_helpers_do_not_need_scipy():
    assert "scipy" not in _imported_after("import segkit.metrics.stats")

"""The writer conformance kit: the contract of ``segkit.writers.base.Writer``, checked on any class.

Run it on your own writer (no data needed: a small synthetic Report is built)::

    from segkit.testing import check_writer
    check_writer(MyWriter)                 # raises AssertionError listing what failed
    check_writer(MyWriter, name="mine")    # also: registered under the name it declares

segkit's own suite runs it on every registered writer (``tests/writers/test_conformance.py``).
The checks:

- ``declaration``: a non-empty ``format`` (the registered name when given), ``binary`` a bool,
  ``filename`` None or a bare file name, ``also_writes`` a tuple of distinct bare file names;
- ``format_unique``: no other registered writer class declares the same format;
- ``render_type``: ``render`` returns bytes when ``binary``, text otherwise, and text has no NUL;
- ``deterministic``: two renders of the same report are identical (and leave it unchanged);
- ``extra_files``: ``extra_files`` renders exactly the names in ``also_writes``, as bytes,
  deterministically;
- ``escaping``: hostile text in segment names (HTML, spreadsheet formulas, rich markup, pipes,
  newlines) is escaped the way the format needs: no raw ``<script>`` in HTML, no cell a
  spreadsheet would run as a formula in CSV, JSON that parses back to the very text, and
  terminal/Markdown output that shows the name's words rather than interpreting its markup.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from collections.abc import Callable

import pandas as pd

from segkit.testing._runner import run_checks
from segkit.report import Report
from segkit.writers.base import Writer, writers

HOSTILE = "<script>alert(1)</script> & [bold red]markup[/bold red] | pipe"
FORMULA = "=HYPERLINK(\"http://x\")"
Check = Callable[[type[Writer], str | None], None]


def _segment(name: str, accounts: int, churn: float | None) -> dict[str, object]:
    return {
        "segment": name, "accounts": accounts, "share_of_accounts": accounts / 30, "customers": accounts // 2,
        "conversion_rate": 0.25, "conversion_rate_ci": [0.1, 0.4], "churn_rate": churn, "churn_rate_ci": None,
        "monthly_churn_rate": 0.02, "mrr": 1234.5, "arpa": 123.45, "clv": 6172.5, "clv_ci": [5000.0, 7000.0],
        "clv_method": "simple", "nrr": 1.01, "grr": 0.95, "suppressed": False,
    }


def make_report() -> Report:
    """A small, fixed Report with every section the built-in writers read, and hostile names."""
    segments = [_segment(HOSTILE, 12, 0.1), _segment(FORMULA, 10, 0.2), _segment("plain", 8, None)]
    overall = {k: v for k, v in _segment("all accounts", 30, 0.15).items() if k != "segment"}
    data = {
        "schema_version": "1.0", "segkit_version": "0.0.0", "as_of": "2025-12-31",
        "period": {"start": "2025-01-01", "end": "2026-01-01", "months": 12, "note": "period"},
        "parameters": {"clv_method": "simple", "gross_margin": 1.0, "min_segment_size": 5, "float_precision": 6},
        "inputs": {"accounts": {"files": ["accounts.csv"], "rows_read": 30, "rows_used": 30, "rows_rejected": 0}},
        "definitions": {"accounts": "number of accounts in the segment"},
        "segmentations": {"kit": {"params": {}, "segments": segments, "quality": {"tests": {}}}},
        "overall": overall,
        "warnings": [{"code": "kit", "message": HOSTILE}],
    }
    assignments = pd.DataFrame({"account_id": [f"a{i}" for i in range(3)], "kit": [HOSTILE, FORMULA, "plain"]})
    rejected = pd.DataFrame({"table": ["accounts"], "file": ["accounts.csv"], "line": [2], "column": ["name"],
                             "value": [FORMULA], "reason": ["kit"]})
    return Report(data=data, assignments=assignments, rejected=rejected, run={"kit": True})


def _bare(name: object) -> bool:
    return isinstance(name, str) and bool(name) and "/" not in name and "\\" not in name and name not in (".", "..")


def check_declaration(cls: type[Writer], name: str | None) -> None:
    assert isinstance(cls, type) and issubclass(cls, Writer), "not a segkit.writers.Writer subclass"
    assert isinstance(cls.format, str) and cls.format, "format must be a non-empty name"
    assert name is None or cls.format == name, f"registered as {name!r} but declares format {cls.format!r}"
    assert isinstance(cls.binary, bool), "binary must be True or False"
    assert cls.filename is None or _bare(cls.filename), f"filename must be None or a bare file name; got {cls.filename!r}"
    assert isinstance(cls.also_writes, tuple) and all(_bare(f) for f in cls.also_writes), "also_writes must be a tuple of file names"
    names = ([cls.filename] if cls.filename else []) + list(cls.also_writes)
    assert len(names) == len(set(names)), f"declared file names repeat: {names}"


def check_format_unique(cls: type[Writer], name: str | None) -> None:
    others = [other for fmt, other in writers().items() if other is not cls and other.format == cls.format and fmt != name]
    assert not others, f"format {cls.format!r} is also declared by {others[0].__module__}.{others[0].__qualname__}"


def _render(cls: type[Writer], report: Report) -> str | bytes:
    return cls().render(report)


def check_render_type(cls: type[Writer], name: str | None) -> None:
    out = _render(cls, make_report())
    if cls.binary:
        assert isinstance(out, bytes), f"binary writer rendered {type(out).__name__}, not bytes"
    else:
        assert isinstance(out, str), f"text writer rendered {type(out).__name__}, not str"
        assert "\0" not in out, "text output holds a NUL character"


def check_deterministic(cls: type[Writer], name: str | None) -> None:
    report = make_report()
    before = copy.deepcopy(report.data)
    first, second = _render(cls, report), _render(cls, make_report())
    assert first == second, "two renders of the same report differ"
    assert report.data == before, "render changed the report"


def check_extra_files(cls: type[Writer], name: str | None) -> None:
    files = cls().extra_files(make_report())
    assert set(files) == set(cls.also_writes), f"extra_files rendered {sorted(files)}, declared {sorted(cls.also_writes)}"
    assert all(isinstance(v, bytes) for v in files.values()), "extra_files must give bytes"
    assert files == cls().extra_files(make_report()), "two renders of the extra files differ"


FORMULA_STARTS = ("=", "+", "@", "\t", "\r")


def _is_csv(cls: type[Writer]) -> bool:
    return cls.format == "csv" or (cls.filename or "").endswith(".csv")


def _check_csv(out: str) -> None:
    for row in csv.reader(io.StringIO(out)):
        risky = [cell for cell in row if cell.startswith(FORMULA_STARTS)]
        assert not risky, f"CSV cell {risky[0]!r} starts like a formula: a spreadsheet would run it"
    assert "'" + FORMULA in out.replace('""', '"'), "CSV output lost the escaped segment name"


def _check_json(out: str) -> None:
    lines = out.splitlines() if out.lstrip().startswith("{") and "\n{" in out.strip() else [out]
    for line in lines:
        json.loads(line)
    assert HOSTILE in out, "JSON output lost or altered the segment name"


def check_escaping(cls: type[Writer], name: str | None) -> None:
    if cls.binary:
        return  # binary formats carry text as typed values, not markup
    out = _render(cls, make_report())
    assert isinstance(out, str)
    head = out.lstrip().lower()
    if head.startswith(("<!doctype", "<html")):
        # the page may have scripts of its own (report.html inlines its chart runtime): look for the hostile one
        assert "<script>alert(1)" not in out, "HTML output holds the hostile <script> tag unescaped"
        assert "&lt;script&gt;" in out, "HTML output lost the segment name"
    elif head.startswith(("{", "[")):
        _check_json(out)
    elif _is_csv(cls):
        _check_csv(out)
    elif cls.format == "markdown" or (cls.filename or "").endswith(".md"):
        # Markdown may hold HTML: no raw tag; backslash escapes show the characters as written.
        assert "<script>" not in out, "Markdown output holds the hostile <script> tag unescaped"
        shown = re.sub(r"\\([\\`*_\[\]|])", r"\1", out)
        assert "[bold red]markup[/bold red]" in shown, "markup in a segment name was interpreted or lost, not shown"
    else:  # terminal and other plain text: the name shown as written, markup not run
        assert "[bold red]markup[/bold red]" in out, "markup in a segment name was interpreted or lost, not shown"


CHECKS: dict[str, Check] = {
    "declaration": check_declaration,
    "format_unique": check_format_unique,
    "render_type": check_render_type,
    "deterministic": check_deterministic,
    "extra_files": check_extra_files,
    "escaping": check_escaping,
}


def check_writer(cls: type[Writer], *, name: str | None = None, checks: list[str] | None = None) -> list[str]:
    """Run the conformance checks on ``cls``; return the names passed, raise listing any failures.

    ``name`` is the name it is registered under (its entry-point name), when it is registered.
    """
    return run_checks(str(getattr(cls, "__name__", cls)), checks or list(CHECKS), lambda check: CHECKS[check](cls, name))


__all__ = ["CHECKS", "check_writer", "make_report"]

"""The layout rules of docs/architecture.md, checked on the source (issue 9).

- Data flows one way: loading -> features -> segmenters -> metrics -> report -> writers. A stage
  imports only earlier stages (and the shared modules: errors, config, plugins, models, and the
  third-party libraries); no stage imports ``segkit.jobs``, ``segkit.cli`` or ``segkit.api``.
- Writers read only the Report: ``segkit.writers`` imports ``segkit.report`` and nothing of the
  stages before it.
- Functions stay short enough to read (none over 80 lines) and modules under 500 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "segkit"
STAGES = ("loading", "features", "segmenters", "metrics", "report", "writers")
#: Modules every stage may import: they belong to no stage.
SHARED = {"errors", "config", "plugins", "models", "_version", "__init__"}
TOP = {"jobs", "cli", "api", "testing", "sample", "__main__"}
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 500


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if ".venv" not in p.parts)


def _part(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imported_parts(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "segkit":
                names = [f"segkit.{alias.name}" for alias in node.names]
        for name in names:
            if name.startswith("segkit."):
                found.add((name.split(".")[1], node.lineno))
    return found


def _violations() -> list[str]:
    out = []
    for path in _modules():
        part = _part(path)
        if part not in STAGES:
            continue
        rank = STAGES.index(part)
        for imported, line in sorted(_imported_parts(path)):
            where = f"{path.relative_to(PACKAGE.parent)}:{line}"
            if imported in TOP:
                out.append(f"{where}: stage {part!r} imports segkit.{imported}")
            elif imported in STAGES and STAGES.index(imported) > rank:
                out.append(f"{where}: stage {part!r} imports the later stage {imported!r}")
            elif part == "writers" and imported in STAGES and imported not in ("report", "writers"):
                out.append(f"{where}: writers import {imported!r}; writers read only segkit.report")
    return out


def test_stages_import_only_earlier_stages() -> None:
    assert _violations() == []


def test_the_rule_catches_a_back_arrow(tmp_path: Path) -> None:
    """The checker itself: a loading module that imports features is reported."""
    sample = tmp_path / "m.py"
    sample.write_text("from segkit.features.build import FeatureSet\nimport segkit.jobs.segment\n")
    assert _imported_parts(sample) == {("features", 1), ("jobs", 2)}


def _long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                out.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name} is {length} lines")
    return out


def test_no_function_is_over_80_lines() -> None:
    assert [hit for path in _modules() for hit in _long_functions(path)] == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_are_under_500_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines < MAX_MODULE_LINES, f"{path.relative_to(PACKAGE.parent)} has {lines} lines"

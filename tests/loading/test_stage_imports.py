"""Loading and features import only earlier stages (the dependency rule of docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SEGKIT = Path(__file__).resolve().parents[2] / "segkit"
LATER = {
    "loading": ("segkit.features", "segkit.segmenters", "segkit.metrics", "segkit.report", "segkit.writers",
                "segkit.jobs", "segkit.cli", "segkit.api"),
    "features": ("segkit.segmenters", "segkit.metrics", "segkit.report", "segkit.writers", "segkit.jobs",
                 "segkit.cli", "segkit.api"),
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("stage", sorted(LATER))
def test_a_stage_imports_no_later_stage(stage: str) -> None:
    bad = [
        f"{path.relative_to(SEGKIT.parent)} imports {name}"
        for path in sorted((SEGKIT / stage).rglob("*.py"))
        for name in _imports(path)
        if name.startswith(LATER[stage])
    ]
    assert bad == []

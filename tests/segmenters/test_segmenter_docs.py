"""Every built-in segmenter has a page documenting each of its parameters; the plugin guide exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from segkit.segmenters import discover

ROOT = Path(__file__).resolve().parents[2]
BUILT_IN = {name: info for name, info in discover().segmenters.items() if info.origin.startswith("segkit ")}


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_segmenter_page_documents_every_parameter(name: str) -> None:
    page = ROOT / "docs" / "segmenters" / f"{name}.md"
    assert page.is_file(), f"docs/segmenters/{name}.md is missing"
    text = page.read_text(encoding="utf-8")
    for heading in ("## What it uses", "## How it segments", "## Parameters", "## Example"):
        assert heading in text, f"{page.name}: no '{heading}' section"
    for param in BUILT_IN[name].cls.parameters:
        assert f"| `{param}` |" in text, f"{page.name} does not document parameter {param!r}"


def test_plugin_guide_matches_the_example_package() -> None:
    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    example = ROOT / "examples" / "segkit-plugin-example"
    pyproject = (example / "pyproject.toml").read_text(encoding="utf-8")
    entry = 'domain_tld = "segkit_plugin_example.tld:DomainTldSegmenter"'
    assert entry in pyproject and entry in guide
    assert '[project.entry-points."segkit.segmenters"]' in guide
    assert "check_segmenter" in guide and (example / "tests" / "test_conformance.py").is_file()

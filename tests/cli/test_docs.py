"""Every command, config key, segmenter and metric is documented."""

from __future__ import annotations

import re

from segkit import api
from segkit.cli import app
from segkit.config import CONFIG_KEYS, INPUT_KEYS
from segkit.metrics import DEFINITIONS
from tests.conftest import REPO

DOCS = REPO / "docs"


def _text(*names: str) -> str:
    return "\n".join((DOCS / n).read_text() for n in names)


def test_every_command_is_in_the_cli_reference():
    reference = _text("cli.md")
    commands = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert commands
    for name in commands:
        assert f"## segkit {name}" in reference, name


def test_every_option_of_every_command_is_documented():
    """Each command's flags, as typer builds them (shared option groups included), are in cli.md."""
    import typer.main

    reference = _text("cli.md")
    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        flags = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts) if opt.startswith("--")}
        assert "--accounts" in flags or name in ("segmenters", "plugins", "sample", "clv", "retention", "diff"), name
        for flag in flags - {"--help"}:
            assert flag in reference, f"segkit {name} {flag}"


def test_every_config_key_is_documented():
    text = _text("configuration.md")
    for section, keys in CONFIG_KEYS.items():
        assert f"[{section}" in text, section
        for key in keys or {}:
            assert f"`{key}`" in text, f"{section}.{key}"
    for key in INPUT_KEYS:
        assert f"`{key}`" in text, f"inputs.*.{key}"


def test_every_segmenter_and_parameter_is_documented():
    for item in api.list_segmenters():
        page = DOCS / "segmenters" / f"{item['name']}.md"
        text = page.read_text() if page.exists() else _text("segmenters.md")
        assert item["name"] in text, item["name"]
        for parameter in item["parameters"]:
            assert f"`{parameter}`" in text, f"{item['name']}.{parameter}"


def test_every_metric_definition_is_documented():
    text = _text("metrics.md")
    for metric in DEFINITIONS:
        assert f"`{metric}`" in text, metric


def test_readme_opens_with_the_two_commands():
    readme = (REPO / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block

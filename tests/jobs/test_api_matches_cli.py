"""The Python API and the CLI give the same report.json for the same config (issue 9)."""

from __future__ import annotations

import pytest

from segkit import api
from segkit.writers import get_writer
from tests.conftest import REPO

BY = ["firmographic,geographic,value", "value*firmographic"]


@pytest.mark.slow
def test_api_segment_rendered_as_json_equals_segkit_segment_format_json(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # configs/samples.toml names its files relative to the repository
    args = [a for item in BY for a in ("--by", item)]
    cli = run_cli("segment", "--config", "configs/samples.toml", *args, "--format", "json")
    assert cli.code == 0, cli.err
    report = api.segment(config="configs/samples.toml", by=BY)
    assert get_writer("json").render(report) == cli.out


def test_api_and_cli_share_the_defaults() -> None:
    """No CLI-only defaults: unset options resolve to what MetricOptions and ValueSettings declare."""
    from segkit.config import Config
    from segkit.jobs.settings import SegmentOptions, resolve_settings
    from segkit.metrics import MetricOptions

    settings = resolve_settings(Config(), SegmentOptions())
    assert settings.metrics.clv_bootstrap == MetricOptions().clv_bootstrap == 200
    assert settings.metrics.clv_horizon_months == settings.value.clv_horizon_months == 60
    assert settings.timezone == "UTC" and settings.load.max_rejected == 0.05

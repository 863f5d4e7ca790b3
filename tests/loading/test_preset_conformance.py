"""Every registered preset passes the preset kit; the registry is the entry-point group."""

from __future__ import annotations

import re

from importlib.metadata import EntryPoint

import pytest

from segkit.loading.presets import registry
from segkit.loading.presets.base import Preset
from segkit.loading.presets.registry import builtin_presets, preset_registry
from segkit.testing import check_preset

BUILTIN = ("generic-accounts", "generic-subscriptions", "generic-invoices", "generic-deals", "generic-events",
           "generic-users", "generic-surveys", "hubspot-companies", "hubspot-deals", "salesforce-accounts",
           "salesforce-opportunities", "stripe-subscriptions", "stripe-subscriptions-api", "stripe-invoices",
           "nps-survey", "segment-track", "segment-group", "mixpanel", "amplitude")


@pytest.mark.parametrize("preset", builtin_presets(), ids=lambda p: p.name)
def test_every_registered_preset_passes_the_kit(preset: Preset) -> None:
    check_preset(preset)


def test_the_builtins_register_through_the_entry_point_group() -> None:
    found = preset_registry()
    assert set(BUILTIN) <= set(found.presets)
    assert {found.origins[name] for name in BUILTIN} == {"segkit"}
    assert found.warnings == ()


def test_the_kit_rejects_a_preset_that_captures_generic_files() -> None:
    greedy = Preset(name="greedy-accounts", table="accounts",
                    columns={c: (c,) for c in ("account_id", "name", "domain", "industry", "employees", "country",
                                               "created_at", "annual_revenue", "region", "city")}, priority=5)
    with pytest.raises(AssertionError, match="generic accounts header is detected as greedy-accounts"):
        check_preset(greedy)


def test_the_kit_rejects_an_unknown_column_and_a_bad_name() -> None:
    bad = Preset(name="Bad Name", table="accounts", columns={"account_id": ("Id",), "colour": ("Colour",)})
    with pytest.raises(AssertionError) as caught:
        check_preset(bad)
    assert "not kebab-case" in str(caught.value) and "'colour' is not a column" in str(caught.value)


def test_a_broken_preset_plugin_warns_with_the_package_and_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = EntryPoint(name="broken-thing", value="no_such_module_xyz:PRESET", group=registry.GROUP)
    real = registry.entry_points

    def with_broken(*, group: str) -> list[EntryPoint]:
        return [*real(group=group), broken]

    monkeypatch.setattr(registry, "entry_points", with_broken)
    registry.preset_registry.cache_clear()
    try:
        found = preset_registry()
        assert "broken-thing" not in found.presets and set(BUILTIN) <= set(found.presets)
        assert any(re.search("broken-thing.*cannot be loaded.*pip uninstall", w) for w in found.warnings), found.warnings
        # ... and the run says so in its warnings (report.json), not as a Python warning dump
        from segkit.jobs.segment import plugin_warnings
        from segkit.segmenters import discover

        assert any("broken-thing" in w for w in plugin_warnings(discover()))
    finally:
        registry.preset_registry.cache_clear()

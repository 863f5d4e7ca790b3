"""Mixpanel raw event export.

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Header names: UI labels first, then API names; options in ``presets/base.py``.
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset, PresetOptions


EVENTS = Preset(
    name="mixpanel",
    title="a Mixpanel raw event export",
    table="events",
    columns={
        "event_id": ("properties.$insert_id",),
        "account_id": (
            "properties.company_id", "properties.account_id", "properties.$group_id", "properties.group_id",
            "properties.company", "properties.organization_id", "properties.workspace_id",
        ),
        "user_id": ("properties.distinct_id", "properties.$user_id"),
        "event": ("event",),
        "timestamp": ("properties.time",),
    },
    signature=("timestamp",),
    options=PresetOptions(group_key_paths=("properties.{}",)),
    priority=1,
)

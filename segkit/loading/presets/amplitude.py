"""Amplitude event export.

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Header names: UI labels first, then API names; options in ``presets/base.py``.
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset, PresetOptions


EVENTS = Preset(
    name="amplitude",
    title="an Amplitude export",
    table="events",
    columns={
        "event_id": ("uuid", "$insert_id", "insert_id"),
        "account_id": (
            "groups.company_id", "groups.account_id", "groups.company", "groups.org_id",
            "groups.organization", "groups.workspace_id",
        ),
        "user_id": ("user_id",),
        "event": ("event_type",),
        "timestamp": ("event_time", "client_event_time", "server_upload_time"),
    },
    signature=("event",),
    options=PresetOptions(group_key_paths=("groups.{}", "event_properties.{}"), account_may_be_list=True),
    priority=1,
)

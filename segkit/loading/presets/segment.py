"""Segment track and group calls.

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Header names: UI labels first, then API names; options in ``presets/base.py``.
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset


TRACK = Preset(
    name="segment-track",
    title="Segment track (and group) calls",
    table="events",
    columns={
        "event_id": ("messageId", "message_id"),
        "account_id": ("context.groupId", "context.group_id", "properties.groupId", "context_group_id"),
        "user_id": ("userId", "user_id"),
        "event": ("event", "event_text"),
        "timestamp": ("timestamp", "originalTimestamp", "received_at", "receivedAt"),
        "call_type": ("type",),
        "group_id": ("groupId",),
    },
    signature=("event_id", "call_type"),
    priority=1,
)


GROUP = Preset(
    name="segment-group",
    title="Segment group calls (user -> account)",
    table="users",
    columns={
        "user_id": ("userId", "user_id"),
        "account_id": ("groupId", "group_id"),
        "updated_at": ("timestamp", "received_at", "receivedAt"),
        "email": ("traits.email", "context.traits.email"),
    },
    signature=("updated_at",),
)

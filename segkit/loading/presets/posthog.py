"""PostHog events: the events table as exported (JSON Lines or CSV with the properties object).

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Column names are PostHog's events table (docs/inputs.md cites the source):
``uuid``, ``event``, ``distinct_id``, ``timestamp`` (ISO 8601), ``properties``. With group
analytics an event's account is ``properties.$groups.<group type>`` (``--group-key company``); a
CSV of the events table (a SQL insight's ``select * from events``) has ``properties`` as JSON text
and the group keys in ``$group_0`` .. ``$group_4`` (by group type index), so ``$group_0`` is tried last.
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset, PresetOptions

EVENTS = Preset(
    name="posthog-events",
    title="a PostHog events export",
    table="events",
    columns={
        "event_id": ("uuid",),
        "account_id": (
            "properties.$groups.company", "properties.$groups.organization", "properties.$groups.account",
            "properties.$groups.workspace", "properties.company_id", "properties.account_id", "$group_0",
        ),
        "user_id": ("distinct_id", "person_id"),
        "event": ("event",),
        "timestamp": ("timestamp",),
    },
    signature=("event_id",),
    options=PresetOptions(group_key_paths=("properties.$groups.{}",)),
    priority=1,
)

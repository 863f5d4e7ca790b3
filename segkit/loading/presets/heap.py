"""Heap Connect exports: the ``all_events`` table and the ``users`` table (warehouse or S3 export).

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Column names are Heap Connect's schema (docs/inputs.md section 6): every event
row has ``event_id``, ``user_id``, ``session_id``, ``time`` and, in ``all_events``,
``event_table_name`` (the event's name). Heap events carry the user, not the account: the
account comes from the ``users`` table, where your own user property (``account_id``,
``company_id``, ...) holds it; ``identity`` is the id you gave the user (``heap.identify``).
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset

EVENTS = Preset(
    name="heap-events",
    title="a Heap Connect all_events export",
    table="events",
    columns={
        "event_id": ("event_id",),
        "account_id": ("account_id", "company_id", "organization_id", "workspace_id"),
        "user_id": ("user_id",),
        "event": ("event_table_name",),
        "timestamp": ("time",),
    },
    signature=("event",),
    priority=1,
)

USERS = Preset(
    name="heap-users",
    title="a Heap Connect users export",
    table="users",
    columns={
        "user_id": ("user_id",),
        "account_id": ("account_id", "company_id", "organization_id", "workspace_id", "account"),
        "email": ("email", "_email"),
        "updated_at": ("last_modified",),
    },
    signature=("updated_at",),
)

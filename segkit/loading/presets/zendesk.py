"""Zendesk Support tickets: the CSV export (Admin Center > Account > Tools > Reports) and API objects.

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Header names: CSV labels first, then API names (docs/inputs.md cites the sources).
The CSV names the organization, not its id, so its tickets reach accounts through the requester's
email domain (``loading/join.py``) or the requester's external id (your own user id, through the
users table); API objects carry ``organization_id``.
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset

TICKETS = Preset(
    name="zendesk-tickets",
    title="a Zendesk tickets export",
    table="tickets",
    columns={
        "ticket_id": ("Id", "id"),
        "requester_email": ("Requester email", "requester.email"),
        "account_id": ("Organization ID", "organization_id", "Organization external id"),
        "user_id": ("Requester external id", "requester.external_id"),
        "created_at": ("Created at", "created_at"),
        "status": ("Status", "status"),
        "priority": ("Priority", "priority"),
        "solved_at": ("Solved at", "solved_at"),
        "resolution_minutes": ("Full resolution time in minutes", "full_resolution_time_in_minutes"),
        "first_response_minutes": ("First reply time in minutes", "reply_time_in_minutes"),
        "satisfaction": ("Satisfaction Score", "satisfaction_rating.score"),
        "channel": ("Via", "via.channel"),
    },
    signature=("satisfaction", "resolution_minutes", "first_response_minutes", "channel"),
)

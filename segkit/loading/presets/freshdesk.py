"""Freshdesk tickets: the UI export (Tickets > Export, CSV) and the API ticket object.

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Header names: API names first (the ticket object carries ``company_id`` and the requester's
``email``), then the UI export's labels (docs/inputs.md cites the sources). The UI export names the
company and contact but not their ids or email: add a ``Company ID`` or ``Email`` column to it, or
use the API's tickets.
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset

TICKETS = Preset(
    name="freshdesk-tickets",
    title="a Freshdesk tickets export",
    table="tickets",
    columns={
        "ticket_id": ("id", "Ticket ID"),
        "account_id": ("company_id", "Company ID"),
        "requester_email": ("email", "requester_email", "Email"),
        "created_at": ("created_at", "Created time"),
        "status": ("status", "Status"),
        "priority": ("priority", "Priority"),
        "solved_at": ("stats.resolved_at", "Resolved time"),
        "channel": ("source", "Source"),
        "escalated": ("is_escalated", "Is escalated"),
    },
    signature=("solved_at", "escalated"),
)

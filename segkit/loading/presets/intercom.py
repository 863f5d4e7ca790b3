"""Intercom conversations (support conversations play the part of tickets).

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Header names: the conversation export's columns first, then the REST API's
conversation object (docs/inputs.md cites the sources): ``conversation_rating.rating`` (1..5),
``statistics.last_close_at``. Conversations reach accounts through the author's email domain or
user id (the users table).
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset

CONVERSATIONS = Preset(
    name="intercom-conversations",
    title="an Intercom conversations export",
    table="tickets",
    columns={
        "ticket_id": ("conversation_id", "id"),
        "requester_email": ("message_author_email", "source.author.email"),
        "user_id": ("message_author_user_id",),
        "created_at": ("conversation_created_at", "created_at"),
        "status": ("conversation_state", "state"),
        "solved_at": ("conversation_closed_at", "statistics.last_close_at"),
        "satisfaction": ("conversation_rating.rating",),
        "priority": ("priority",),
    },
    signature=("ticket_id",),
)

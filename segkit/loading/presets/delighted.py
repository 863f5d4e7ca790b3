"""Delighted survey responses (NPS): the API's survey response objects, as JSON Lines.

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Column names are the API's (docs/inputs.md cites the source): ``score`` 0..10,
``created_at`` in Unix seconds, ``person`` (Delighted's person id: the respondent, so each person's
latest answer counts once) and ``person_properties``, where the account id is a property you
attach when you send the survey (``person_properties[account_id]``).
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset

RESPONSES = Preset(
    name="delighted-responses",
    title="Delighted survey responses",
    table="surveys",
    columns={
        "account_id": (
            "person_properties.account_id", "person_properties.company_id", "person_properties.Company ID",
            "person_properties.Account ID", "person_properties.customer_id", "person_properties.Customer ID",
        ),
        "user_id": ("person", "person.id", "person.email"),
        "responded_at": ("created_at",),
        "score": ("score",),
    },
    patterns={"account_id": (r"person_properties\..*(account|company|customer|org).*",)},
    signature=("user_id",),
)

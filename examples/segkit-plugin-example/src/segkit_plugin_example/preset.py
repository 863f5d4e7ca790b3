"""An example input preset: a Pipedrive organizations export whose account id is a custom field.

segkit's built-in ``pipedrive-organizations`` reads Pipedrive's own ``Organization - ID``. Many
teams keep the billing system's account id in a custom organization field instead; this preset
reads it from ``Organization - Account ID`` (the custom field's label), the kind of house
convention a plugin adds. One ``Preset`` plus one line under
``[project.entry-points."segkit.presets"]`` makes segkit detect it from the header;
``segkit.testing.check_preset`` holds it to the preset contract (its documented header is
detected as it, and segkit's generic header is not).
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset

PIPEDRIVE_ORGANIZATIONS = Preset(
    name="example-pipedrive-organizations",
    title="a Pipedrive organizations export (account id in the 'Account ID' custom field)",
    table="accounts",
    columns={
        "account_id": ("Organization - Account ID",),
        "name": ("Organization - Name",),
        "domain": ("Organization - Website",),
        "employees": ("Organization - Number of employees",),
        "industry": ("Organization - Industry",),
        "country": ("Organization - Address - Country",),
        "created_at": ("Organization - Organization created",),
        "owner": ("Organization - Owner",),
    },
    signature=("name",),
)

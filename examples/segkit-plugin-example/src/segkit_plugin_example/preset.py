"""An example input preset: a Pipedrive organizations export as the accounts table.

Pipedrive's CSV export prefixes every column with the record type ("Organization - Name"). One
``Preset`` plus one line under ``[project.entry-points."segkit.presets"]`` makes segkit detect it
from the header; ``segkit.testing.check_preset`` holds it to the preset contract.
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset

PIPEDRIVE_ORGANIZATIONS = Preset(
    name="pipedrive-organizations",
    title="a Pipedrive organizations export",
    table="accounts",
    columns={
        "account_id": ("Organization - ID",),
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

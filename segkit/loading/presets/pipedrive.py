"""Pipedrive exports: organizations and deals (list view > Export, CSV; or the API's objects).

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Pipedrive's export labels every column ``<Record type> - <field>``
(``Organization - Name``, ``Deal - Value``); the API names (``id``, ``org_id.value``,
``add_time``) are listed too. Sources in docs/inputs.md section 6. A deal's ``Deal - Status`` is
``open``, ``won`` or ``lost``: it is read as the stage (won/lost close a deal; the pipeline
stage, ``Deal - Stage``, is read only when there is no status). Times are
``yyyy-MM-dd HH:mm:ss``; ``Deal - Value`` is in major units of ``Deal - Currency``.
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset

ORGANIZATIONS = Preset(
    name="pipedrive-organizations",
    title="a Pipedrive organizations export",
    table="accounts",
    columns={
        "account_id": ("Organization - ID",),
        "name": ("Organization - Name",),
        "owner": ("Organization - Owner", "owner_name"),
        "domain": ("Organization - Website", "Organization - Web domain", "website"),
        "industry": ("Organization - Industry", "industry"),
        "employees": ("Organization - Number of employees", "Organization - Employee count", "employee_count"),
        "annual_revenue": ("Organization - Annual revenue", "annual_revenue"),
        "country": ("Organization - Address - Country", "Organization - Country of Address", "address_country"),
        "region": ("Organization - Address - State/County", "Organization - State/County of Address",
                   "address_admin_area_level_1"),
        "city": ("Organization - Address - City/Town/Village/Locality", "Organization - City/town/village/locality of Address",
                 "address_locality"),
        "lifecycle_stage": ("Organization - Label", "label"),
        "created_at": ("Organization - Organization created", "add_time"),
    },
    signature=("name",),
)

DEALS = Preset(
    name="pipedrive-deals",
    title="a Pipedrive deals export",
    table="deals",
    columns={
        "deal_id": ("Deal - ID",),
        "account_id": ("Deal - Organization ID", "Organization - ID", "org_id.value", "org_id"),
        "created_at": ("Deal - Deal created", "add_time"),
        "stage": ("Deal - Status", "status", "Deal - Stage"),
        "closed_at": ("Deal - Deal closed on", "Deal - Close time", "Deal - Won time", "close_time", "won_time"),
        "amount": ("Deal - Value", "value"),
    },
    signature=("deal_id",),
)

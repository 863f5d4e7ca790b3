"""Zoho CRM exports: the Accounts and Deals modules (Setup > Data Administration > Export, CSV).

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Header names are the modules' field labels (``Record Id``, ``Account Name``,
``Closing Date``), then the API names (``id``, ``Account_Name.id``, ``Closing_Date``); the
sources are cited in docs/inputs.md section 6 (Zoho's modules-and-fields reference; the field
list of public Zoho CRM connectors). Zoho writes record ids as ``zcrm_<digits>``, in the id
column and in lookups alike, so a deal's ``Account Name`` id joins the account's ``Record Id``.
Times are ``yyyy-MM-dd HH:mm:ss`` in the exporting user's time zone (``--timezone``).
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset

ACCOUNTS = Preset(
    name="zoho-accounts",
    title="a Zoho CRM accounts export",
    table="accounts",
    columns={
        "account_id": ("Record Id", "id"),
        "name": ("Account Name", "Account_Name"),
        "domain": ("Website",),
        "industry": ("Industry",),
        "employees": ("Employees",),
        "annual_revenue": ("Annual Revenue", "Annual_Revenue"),
        "country": ("Billing Country", "Billing_Country"),
        "region": ("Billing State", "Billing_State"),
        "city": ("Billing City", "Billing_City"),
        "lifecycle_stage": ("Account Type", "Account_Type"),
        "created_at": ("Created Time", "Created_Time"),
        "owner": ("Account Owner", "Owner.name", "Owner"),
    },
    signature=("name",),
)

DEALS = Preset(
    name="zoho-deals",
    title="a Zoho CRM deals export",
    table="deals",
    columns={
        "deal_id": ("Record Id", "id"),
        "account_id": ("Account Name", "Account_Name.id", "Account Id", "Account ID"),
        "created_at": ("Created Time", "Created_Time"),
        "stage": ("Stage",),
        "closed_at": ("Closing Date", "Closing_Date"),
        "amount": ("Amount",),
    },
    signature=("closed_at",),
)

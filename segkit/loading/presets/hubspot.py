"""HubSpot CRM exports (companies, deals).

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Header names: UI labels first, then API names; options in ``presets/base.py``.
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset, PresetOptions


COMPANIES = Preset(
    name="hubspot-companies",
    title="a HubSpot companies export",
    table="accounts",
    columns={
        "account_id": ("Record ID", "hs_object_id", "Company ID", "companyId"),
        "name": ("Company name", "name"),
        "domain": ("Company Domain Name", "domain", "Website URL", "website"),
        "industry": ("Industry", "industry"),
        "employees": ("Number of Employees", "numberofemployees"),
        "annual_revenue": ("Annual Revenue", "annualrevenue"),
        "country": ("Country/Region", "country"),
        "region": ("State/Region", "state"),
        "city": ("City", "city"),
        "timezone": ("Time Zone", "timezone", "hs_timezone"),
        "lifecycle_stage": ("Lifecycle Stage", "lifecyclestage"),
        "created_at": ("Create Date", "createdate"),
        "customer_since": ("Close Date", "closedate", "Became a Customer Date", "hs_lifecyclestage_customer_date"),
        "owner": ("Company owner", "hubspot_owner_id"),
        "founded_year": ("Year Founded", "founded_year"),
    },
    signature=("name", "domain", "industry", "employees", "annual_revenue", "lifecycle_stage"),
)


DEALS = Preset(
    name="hubspot-deals",
    title="a HubSpot deals export",
    table="deals",
    columns={
        "deal_id": ("Record ID", "hs_object_id", "Deal ID", "dealId"),
        "account_id": (
            "Associated Company IDs", "Associated Company ID", "Associated Company IDs (Primary)",
            "associatedcompanyids", "associations.companies", "Company ID",
        ),
        "created_at": ("Create Date", "createdate"),
        "stage": ("Deal Stage", "dealstage"),
        "is_won": ("Is Closed Won", "hs_is_closed_won", "Is closed won"),
        "is_closed": ("Is Deal Closed?", "Is Closed", "hs_is_closed"),
        "closed_at": ("Close Date", "closedate"),
        "amount": ("Amount", "amount"),
        "currency": ("Currency", "deal_currency_code"),
    },
    signature=("stage",),
    options=PresetOptions(multi_account_separator=";"),
)


TICKETS = Preset(
    name="hubspot-tickets",
    title="a HubSpot tickets export",
    table="tickets",
    columns={
        "ticket_id": ("Ticket ID", "hs_object_id"),
        "account_id": ("Associated Company IDs", "Associated Company ID", "associatedcompanyid", "associations.companies"),
        "created_at": ("Create date", "createdate"),
        "status": ("Ticket status", "hs_pipeline_stage"),
        "priority": ("Priority", "hs_ticket_priority"),
        "solved_at": ("Close date", "closed_date"),
        "channel": ("Source", "source_type"),
    },
    signature=("status", "priority"),
    options=PresetOptions(multi_account_separator=";"),
)

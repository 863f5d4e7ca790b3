"""Salesforce CRM exports (accounts, opportunities).

Each ``Preset`` here is registered by name under the ``segkit.presets`` entry-point group
(pyproject.toml). Header names: UI labels first, then API names; options in ``presets/base.py``.
"""

from __future__ import annotations

from segkit.loading.presets.base import Preset


ACCOUNTS = Preset(
    name="salesforce-accounts",
    title="a Salesforce accounts export",
    table="accounts",
    columns={
        "account_id": ("Id", "Account ID", "ID", "Account ID (18)", "Account ID 18"),
        "name": ("Name", "Account Name"),
        "domain": ("Website",),
        "industry": ("Industry",),
        "employees": ("NumberOfEmployees", "Employees"),
        "annual_revenue": ("AnnualRevenue", "Annual Revenue"),
        "country": ("BillingCountry", "Billing Country"),
        "region": ("BillingState", "Billing State/Province", "Billing State"),
        "city": ("BillingCity", "Billing City"),
        "created_at": ("CreatedDate", "Created Date"),
        "owner": ("OwnerId", "Account Owner"),
    },
    signature=("name",),
)


OPPORTUNITIES = Preset(
    name="salesforce-opportunities",
    title="a Salesforce opportunities export",
    table="deals",
    columns={
        "deal_id": ("Id", "Opportunity ID", "ID"),
        "account_id": ("AccountId", "Account ID", "Account ID (18)"),
        "created_at": ("CreatedDate", "Created Date"),
        "stage": ("StageName", "Stage"),
        "is_won": ("IsWon", "Won"),
        "is_closed": ("IsClosed", "Closed"),
        "closed_at": ("CloseDate", "Close Date"),
        "amount": ("Amount",),
        "currency": ("CurrencyIsoCode", "Opportunity Currency"),
    },
    signature=("stage",),
)

"""Built-in presets for the exports analysts actually have (REFERENCE-FORMATS.md section 7).

Each preset lists, per canonical column, the header names that mean it: UI labels first, then API
names, both matched case- and whitespace-insensitively (``presets.normalise_header``). Where the
research could not confirm a spelling, both likely ones are listed. Dotted names (``context.groupId``,
``properties.time``) are paths into JSON objects, which the readers flatten with dots.

Options a preset can carry (read by the loader and the event engine):

- ``amount_unit``: ``major`` (default) or ``minor`` (cents; Stripe API objects);
  ``--amount-unit`` overrides it;
- ``group_key_paths``: where ``--group-key KEY`` looks for the account of an event
  (``properties.{}`` for Mixpanel, ``groups.{}`` for Amplitude);
- ``account_may_be_list``: the account cell may be a JSON list (Amplitude ``groups``); its first
  element is used;
- ``multi_account_separator``: a cell may list several accounts (HubSpot associations); the first
  one is used.
"""

from __future__ import annotations

from segkit.loading.presets import Preset, register_preset

#: Stripe metadata columns that hold the CRM's account id, tried in this order.
_STRIPE_ACCOUNT_ALIASES = (
    "account_id (metadata)", "crm_id (metadata)", "company_id (metadata)", "hubspot_company_id (metadata)",
    "salesforce_account_id (metadata)", "sfdc_account_id (metadata)", "customer_id (metadata)",
    "metadata.account_id", "metadata.crm_id", "metadata.company_id", "metadata.hubspot_company_id",
    "metadata.salesforce_account_id",
)
#: Any other metadata key that names an account, company, org or CRM id.
_STRIPE_ACCOUNT_PATTERNS = (
    r".*(account|company|crm|org|organization|workspace|tenant).*\(metadata\)",
    r"metadata\..*(account|company|crm|org|organization|workspace|tenant).*",
)

PRESETS: list[Preset] = [
    # ---- CRM: accounts --------------------------------------------------------------------------
    Preset(
        name="hubspot-companies",
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
    ),
    Preset(
        name="salesforce-accounts",
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
    ),
    # ---- CRM: deals -----------------------------------------------------------------------------
    Preset(
        name="hubspot-deals",
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
        },
        signature=("stage",),
        options={"multi_account_separator": ";"},
    ),
    Preset(
        name="salesforce-opportunities",
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
        },
        signature=("stage",),
    ),
    # ---- Billing: Stripe ------------------------------------------------------------------------
    Preset(
        name="stripe-subscriptions",
        table="subscriptions",
        columns={
            "subscription_id": ("id", "Subscription ID"),
            "account_id": _STRIPE_ACCOUNT_ALIASES,
            "customer_id": ("Customer ID", "Customer"),
            "customer_email": ("Customer Email",),
            "status": ("Status",),
            "plan": ("Plan", "Product", "Plan Name", "Price"),
            "currency": ("Currency",),
            "started_at": ("Start (UTC)", "Start Date (UTC)", "Start", "Start Date"),
            "canceled_at": ("Canceled At (UTC)", "Canceled At"),
            "ended_at": ("Ended At (UTC)", "Ended At"),
            "trial_start": ("Trial Start (UTC)", "Trial Start"),
            "trial_end": ("Trial End (UTC)", "Trial End"),
            "amount": ("Amount", "Plan Amount", "Price Amount"),
            "interval": ("Interval", "Plan Interval"),
            "interval_count": ("Interval Count", "Plan Interval Count"),
            "quantity": ("Quantity",),
        },
        patterns={"account_id": _STRIPE_ACCOUNT_PATTERNS},
        signature=("customer_id", "customer_email"),
        options={"amount_unit": "major"},
    ),
    Preset(
        name="stripe-subscriptions-api",
        table="subscriptions",
        columns={
            "subscription_id": ("id",),
            "account_id": _STRIPE_ACCOUNT_ALIASES,
            "customer_id": ("customer",),
            "customer_email": ("customer_email", "customer.email"),
            "status": ("status",),
            "plan": ("plan.nickname", "plan.id", "plan.product"),
            "currency": ("plan.currency", "currency"),
            "started_at": ("start_date", "created"),
            "canceled_at": ("canceled_at",),
            "ended_at": ("ended_at",),
            "trial_start": ("trial_start",),
            "trial_end": ("trial_end",),
            "amount": ("plan.amount", "price.unit_amount", "plan_amount"),
            "interval": ("plan.interval", "price.recurring.interval", "plan_interval"),
            "interval_count": ("plan.interval_count", "price.recurring.interval_count", "plan_interval_count"),
            "quantity": ("quantity",),
        },
        patterns={"account_id": _STRIPE_ACCOUNT_PATTERNS},
        signature=("customer_id",),
        options={"amount_unit": "minor"},
    ),
    Preset(
        name="stripe-invoices",
        table="invoices",
        columns={
            "invoice_id": ("id", "Invoice ID"),
            "account_id": _STRIPE_ACCOUNT_ALIASES,
            "customer_id": ("Customer", "Customer ID", "customer"),
            "customer_email": ("Customer Email", "customer_email"),
            "status": ("Status", "status"),
            "currency": ("Currency", "currency"),
            "amount_paid": ("Amount Paid", "amount_paid"),
            "paid_at": ("Paid At (UTC)", "Paid At", "status_transitions.paid_at"),
            "issued_at": ("Date (UTC)", "Date", "created"),
            "period_start": ("Minimum Line Item Period Start (UTC)", "Period Start (UTC)", "period_start"),
            "period_end": ("Maximum Line Item Period End (UTC)", "Period End (UTC)", "period_end"),
        },
        patterns={"account_id": _STRIPE_ACCOUNT_PATTERNS},
        signature=("customer_id", "customer_email"),
        options={"amount_unit": "major"},
    ),
    # ---- Surveys (no vendor export verified: the generic NPS shape of section 7.5) ---------------
    Preset(
        name="nps-survey",
        table="surveys",
        columns={
            "account_id": ("Company ID", "company_id", "Account ID", "account_id", "Account", "Company Record ID"),
            "user_id": ("Respondent", "Respondent Email", "email", "Email", "user_id", "User ID"),
            "responded_at": (
                "Submitted At", "submitted_at", "Response Date", "responded_at", "created_at", "Created At", "Date",
                "date", "Timestamp",
            ),
            "score": ("score", "Score", "NPS", "nps", "NPS Score", "rating", "Rating"),
            "csat": ("csat", "CSAT"),
            "ces": ("ces", "CES"),
        },
        patterns={"score": (r"how likely .*recommend.*", r".*\bnps\b.*", r".*\(0-10\).*")},
        signature=("score", "csat", "ces"),
    ),
    # ---- Product usage --------------------------------------------------------------------------
    Preset(
        name="segment-track",
        table="events",
        columns={
            "event_id": ("messageId", "message_id"),
            "account_id": ("context.groupId", "context.group_id", "properties.groupId", "context_group_id"),
            "user_id": ("userId", "user_id"),
            "event": ("event", "event_text"),
            "timestamp": ("timestamp", "originalTimestamp", "received_at", "receivedAt"),
            "call_type": ("type",),
            "group_id": ("groupId",),
        },
        signature=("event_id", "call_type"),
        priority=1,
    ),
    Preset(
        name="segment-group",
        table="users",
        columns={
            "user_id": ("userId", "user_id"),
            "account_id": ("groupId", "group_id"),
            "updated_at": ("timestamp", "received_at", "receivedAt"),
            "email": ("traits.email", "context.traits.email"),
        },
        signature=("updated_at",),
    ),
    Preset(
        name="mixpanel",
        table="events",
        columns={
            "event_id": ("properties.$insert_id",),
            "account_id": (
                "properties.company_id", "properties.account_id", "properties.$group_id", "properties.group_id",
                "properties.company", "properties.organization_id", "properties.workspace_id",
            ),
            "user_id": ("properties.distinct_id", "properties.$user_id"),
            "event": ("event",),
            "timestamp": ("properties.time",),
        },
        signature=("timestamp",),
        options={"group_key_paths": ("properties.{}",)},
        priority=1,
    ),
    Preset(
        name="amplitude",
        table="events",
        columns={
            "event_id": ("uuid", "$insert_id", "insert_id"),
            "account_id": (
                "groups.company_id", "groups.account_id", "groups.company", "groups.org_id",
                "groups.organization", "groups.workspace_id",
            ),
            "user_id": ("user_id",),
            "event": ("event_type",),
            "timestamp": ("event_time", "client_event_time", "server_upload_time"),
        },
        signature=("event",),
        options={"group_key_paths": ("groups.{}", "event_properties.{}"), "account_may_be_list": True},
        priority=1,
    ),
]

for _preset in PRESETS:
    register_preset(_preset)

"""The formula of every metric, written into each report so a number can be checked by hand."""

from __future__ import annotations

DEFINITIONS: dict[str, str] = {
    "accounts": "number of accounts in the segment",
    "share_of_accounts": "accounts / all accounts",
    "customers": "accounts with a paying subscription at the end of the as-of date (MRR > 0; trialing, incomplete, incomplete_expired, unpaid and paused do not pay; past_due pays unless metrics.past_due = 'exclude')",
    "conversion_rate": "converted / eligible, where eligible = accounts created at least conversion_window_days before the end of as-of (accounts without created_at are eligible) and converted = eligible accounts whose first paying subscription started no later than conversion_window_days after created_at (by as-of when created_at is unknown)",
    "conversion_rate_ci": "95% Wilson score interval of conversion_rate",
    "customers_at_start": "accounts paying at the period start (S)",
    "churned_customers": "customers paying at the period start and not paying at its end (ChartMogul standard: churned-and-reactivated within the period do not count)",
    "churn_rate": "churned_customers / customers_at_start",
    "churn_rate_ci": "95% Wilson score interval of churn_rate",
    "churn_events": "ends of paying spells (an account's overlapping subscriptions merged) within the period, including customers who joined during it",
    "customer_months": "months (365.25/12 days) accounts spent paying within the period",
    "monthly_churn_rate": "churn_events / customer_months",
    "mrr": "sum of monthly recurring revenue at the end of as-of (intervals normalised to months, quantity and recurring discount applied)",
    "arpa": "mrr / customers",
    "clv": "simple method: arpa x gross_margin / monthly_churn_rate; null with clv_reason when there is no churn, no customer or the segment is too small",
    "starting_mrr": "MRR just before the period start (the end of the day before)",
    "ending_mrr": "MRR at the end of as-of; ending = starting + new + expansion + reactivation - contraction - churned",
    "new_mrr": "MRR of accounts paying for the first time, summed over the period's months (MRR read at each month boundary, per account)",
    "expansion_mrr": "increases of paying accounts' MRR between month boundaries (upgrades, seats, added subscriptions)",
    "contraction_mrr": "decreases of paying accounts' MRR that stay above 0 (downgrades, one of several subscriptions cancelled)",
    "churned_mrr": "MRR of accounts whose MRR fell to 0 (no subscription paying any more)",
    "reactivation_mrr": "MRR of accounts paying again after they had churned",
    "gross_mrr_churn_rate": "(churned_mrr + contraction_mrr) / starting_mrr (ChartMogul standard)",
    "net_mrr_churn_rate": "(churned_mrr + contraction_mrr - expansion_mrr - reactivation_mrr) / starting_mrr (ChartMogul standard; negative is net negative churn)",
    "nrr": "net revenue retention of the accounts paying at the period start: their MRR at the end / their MRR at the start = (S + expansion + reactivation - contraction - churn) / S",
    "grr": "gross revenue retention of the same accounts: (S - contraction - churn) / S, at most 100%",
    "customer_retention_rate": "(E - N) / S: customers at the end (E) less those who were not customers at the start (N), over customers at the start (S)",
    "nps": "% promoters (9-10) - % detractors (0-6) over each respondent's latest answer up to as-of; passives (7-8) count in the denominator only",
    "nps_responses": "respondents behind nps",
}

PERIOD_NOTE = "period = [start, end) with end = midnight after as-of (UTC) and start = end - period_months"

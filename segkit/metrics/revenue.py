"""Revenue: MRR and ARPA at as-of, the period's MRR movements, and revenue and customer retention."""

from __future__ import annotations

from typing import Any

from segkit.metrics.registry import Group, metric
from segkit.metrics.stats import ratio

MRR_DEFINITIONS = {
    "mrr": "sum of monthly recurring revenue at the end of as-of (intervals normalised to months, quantity and recurring discount applied)",
    "arpa": "mrr / customers",
}

RETENTION_DEFINITIONS = {
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
    "grr": "gross revenue retention of the same accounts: sum over them of min(MRR at the end, MRR at the start) / S, so 0 <= grr <= 1 and grr <= nrr (an account that churned and came back, or shrank and grew back, counts as kept)",
    "customer_retention_rate": "(E - N) / S: customers at the end (E) less those who were not customers at the start (N), over customers at the start (S)",
}

MOVEMENTS = ("mrr_new", "mrr_expansion", "mrr_contraction", "mrr_churn", "mrr_reactivation")


@metric(MRR_DEFINITIONS, suppress=("mrr", "arpa"))
def mrr(group: Group) -> dict[str, Any]:
    total = float(group.rows["mrr"].sum())
    return {"mrr": total, "arpa": ratio(total, group.values["customers"])}


@metric(RETENTION_DEFINITIONS, suppress=tuple(RETENTION_DEFINITIONS))
def revenue_retention(group: Group) -> dict[str, Any]:
    """MRR movements, gross/net MRR churn, NRR, GRR and customer retention of a group."""
    rows = group.rows
    moves = {c: float(rows[c].sum()) for c in MOVEMENTS}
    starting = float(rows["mrr_period_start"].sum())
    base = rows.loc[rows["mrr_period_start"] > 0, ["mrr_period_start", "mrr_period_end"]]  # two columns, not a copy of the frame
    base_start = float(base["mrr_period_start"].sum())
    base_kept = float(base[["mrr_period_end", "mrr_period_start"]].min(axis=1).sum())
    at_start = int(rows["active_at_start"].sum())
    at_end = int(rows["is_customer"].sum())
    new_at_end = int((rows["is_customer"] & ~rows["active_at_start"]).sum())
    lost = moves["mrr_churn"] + moves["mrr_contraction"]
    return {
        "starting_mrr": starting,
        "ending_mrr": float(rows["mrr_period_end"].sum()),
        "new_mrr": moves["mrr_new"],
        "expansion_mrr": moves["mrr_expansion"],
        "contraction_mrr": moves["mrr_contraction"],
        "churned_mrr": moves["mrr_churn"],
        "reactivation_mrr": moves["mrr_reactivation"],
        "gross_mrr_churn_rate": ratio(lost, starting),
        "net_mrr_churn_rate": ratio(lost - moves["mrr_expansion"] - moves["mrr_reactivation"], starting),
        "nrr": ratio(float(base["mrr_period_end"].sum()), base_start),
        "grr": ratio(base_kept, base_start),
        "customer_retention_rate": ratio(at_end - new_at_end, at_start),
    }

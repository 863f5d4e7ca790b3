"""Billing facts: subscriptions (MRR, paying spells, churn), paid invoices, MRR movements, renewals."""

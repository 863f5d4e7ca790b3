"""Reaching an account from billing rows that carry no CRM id: the customer email's domain.

Stripe knows customers, not CRM accounts. When a subscription or invoice has no account id (no
``<key> (metadata)`` column, or an empty cell), its customer email's domain is matched to the
accounts' ``domain`` (``billing@acme.com`` -> ``acme.com``, also ``eu.acme.com`` -> ``acme.com``).
This is a fuzzy match, so the loader reports its hit rate; rows that reach no account are
rejected with the reason, never dropped silently.
"""

from __future__ import annotations

import pandas as pd

#: Mailbox providers: their domain says nothing about the customer's company.
FREE_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "hotmail.com", "hotmail.co.uk", "outlook.com",
        "live.com", "msn.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com",
        "gmx.de", "gmx.net", "web.de", "mail.ru", "yandex.ru", "qq.com", "163.com", "126.com", "zoho.com",
        "fastmail.com", "hey.com", "pm.me", "t-online.de", "orange.fr", "free.fr", "libero.it",
    }
)


def normalise_domain(values: pd.Series) -> pd.Series:
    """``https://www.Acme.com/about`` -> ``acme.com``; blank -> <NA>."""
    text = values.astype("string").str.strip().str.lower()
    text = text.str.replace(r"^[a-z][a-z0-9+.-]*://", "", regex=True).str.replace(r"^www\d?\.", "", regex=True)
    text = text.str.split("/").str[0].str.split(":").str[0].str.strip(".")
    return text.mask(text == "")


def email_domain(values: pd.Series) -> pd.Series:
    """The domain of ``name@acme.com`` or ``Name <name@acme.com>``; <NA> when there is none."""
    found = values.astype("string").str.strip().str.extract(r"@([^@\s<>]+?)\s*>?$")[0]
    return normalise_domain(found.astype("string"))


def match_email_domains(emails: pd.Series, accounts: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(account_id, reason) per email: the account whose domain is the email's domain or a parent.

    A domain shared by several accounts is ambiguous and matches none of them.
    """
    account_ids = pd.Series(pd.NA, index=emails.index, dtype="string")
    reasons = pd.Series(pd.NA, index=emails.index, dtype="string")
    domains = email_domain(emails)
    known = pd.DataFrame(
        {"domain": normalise_domain(accounts["domain"]), "account_id": accounts["account_id"].astype("string")}
    ).dropna()
    counts = known["domain"].value_counts()
    unique = known[known["domain"].map(counts) == 1].set_index("domain")["account_id"]
    ambiguous = set(counts[counts > 1].index)
    candidate = domains.copy()
    for _ in range(4):  # eu.mail.acme.com -> mail.acme.com -> acme.com
        hit = account_ids.isna() & candidate.notna() & candidate.isin(unique.index)
        account_ids[hit] = candidate[hit].map(unique)
        parent = candidate.str.split(".", n=1).str[1]
        candidate = parent.where(parent.str.contains(".", regex=False).fillna(False))
    missing = account_ids.isna()
    reasons[missing & domains.isna()] = "no account id and no usable customer email"
    free = missing & domains.isin(FREE_EMAIL_DOMAINS).fillna(False)
    reasons[free] = "no account id, and the customer email is a personal mailbox (" + domains[free] + ")"
    amb = missing & domains.isin(ambiguous).fillna(False)
    reasons[amb] = "no account id, and the customer email domain is shared by several accounts (" + domains[amb] + ")"
    other = missing & reasons.isna()
    reasons[other] = "no account id, and no account has the customer email's domain (" + domains[other] + ")"
    return account_ids, reasons

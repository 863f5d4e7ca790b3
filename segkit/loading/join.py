"""Reaching an account from billing rows that carry no CRM id: the customer email's domain.

Stripe knows customers, not CRM accounts. When a subscription or invoice has no account id (no
``<key> (metadata)`` column, or an empty cell), its customer email's domain is matched to the
accounts' ``domain`` (``billing@acme.com`` -> ``acme.com``, also ``eu.acme.com`` -> ``acme.com``).
This is a fuzzy match, so the loader reports its hit rate; rows that reach no account are
rejected with the reason, never dropped silently. ``link_to_accounts`` then rejects rows whose
account id is not in the accounts table.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from segkit.errors import InputDataError
from segkit.loading.model import LoadOptions, Rejections, TableData, is_in

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


def join_by_email_domain(tables: dict[str, TableData], rejections: Rejections, options: LoadOptions) -> None:
    """Billing rows without an account id reach one through the customer email's domain (fuzzy)."""
    accounts = tables.get("accounts")
    for name in ("subscriptions", "invoices"):
        data = tables.get(name)
        if data is None:
            continue
        frame = data.frame
        if "account_id" not in frame:
            frame["account_id"] = pd.Series(pd.NA, index=frame.index, dtype="string")
        need = frame["account_id"].isna()
        if not need.any():
            continue
        if name == "invoices":
            need = _accounts_via_subscriptions(data, tables.get("subscriptions"), need)
            if not need.any():
                continue
        n_need = int(need.sum())
        if accounts is None or "domain" not in accounts.frame or "customer_email" not in frame:
            what = "no accounts table with a domain column" if "customer_email" in frame else "no customer email"
            ids = pd.Series(pd.NA, index=frame.index[need], dtype="string")
            reasons = pd.Series(f"no account id, and {what} to match on", index=frame.index[need], dtype="string")
        else:
            ids, reasons = match_email_domains(frame.loc[need, "customer_email"], accounts.frame)
            hits = int(ids.notna().sum())
            data.stats.notes.append(
                f"{name}: {hits} of {n_need} rows without an account id reached an account by customer email domain "
                f"(fuzzy match, hit rate {hits / n_need:.0%})"
            )
        frame.loc[need, "account_id"] = ids
        lost = need & frame["account_id"].isna()
        if lost.any():
            lost_reasons = reasons[lost[need].to_numpy()]
            rejections.add(
                name, frame.loc[lost, "_file"], frame.loc[lost, "_line"], "account_id",
                frame.loc[lost, "customer_email"] if "customer_email" in frame else pd.Series(pd.NA, index=frame.index[lost]),
                lost_reasons,
            )
            counts = Counter(r.split(" (")[0] for r in lost_reasons.tolist())
            for reason, count in counts.items():
                data.stats.reject_rows(count, reason)
            share = int(lost.sum()) / max(data.stats.rows_read, 1)
            if share > options.max_rejected:
                raise InputDataError(
                    f"{int(lost.sum())} of {data.stats.rows_read} {name} rows reach no account "
                    f"({share:.1%}, more than --max-rejected {options.max_rejected:g}); most common: {counts.most_common(1)[0][0]}. "
                    f"Map the CRM id (for example account_id = \"crm_id (metadata)\" under [inputs.{name}.columns]) "
                    "or give the accounts a domain column",
                    file=", ".join(data.stats.files),
                )
        data.frame = frame[~lost].reset_index(drop=True)


def _accounts_via_subscriptions(data: TableData, subs: TableData | None, need: pd.Series) -> pd.Series:
    """Exact before fuzzy: the subscriptions already tie Stripe customers to accounts."""
    frame = data.frame
    if subs is None or "customer_id" not in frame or "customer_id" not in subs.frame:
        return need
    pairs = subs.frame[["customer_id", "account_id"]].dropna().drop_duplicates()
    pairs = pairs[~pairs["customer_id"].duplicated(keep=False)].set_index("customer_id")["account_id"]
    via = frame.loc[need, "customer_id"].map(pairs)
    hits = int(via.notna().sum())
    if hits:
        frame.loc[need, "account_id"] = via.astype("string")
        data.stats.notes.append(f"invoices: {hits} rows reached an account through the subscriptions' customer id")
    return frame["account_id"].isna()


def link_to_accounts(tables: dict[str, TableData], rejections: Rejections) -> None:
    """Rows of other tables whose account is not among the accounts are counted and reported."""
    accounts = tables.get("accounts")
    if accounts is None:
        return
    known = pd.Index(accounts.frame["account_id"])
    for name, data in tables.items():
        if name == "accounts" or "account_id" not in data.frame:
            continue
        frame = data.frame
        has_account = frame["account_id"].notna()
        orphan = has_account & ~is_in(frame["account_id"], known)
        if orphan.any():
            reason = "account_id not found in the accounts table"
            rejections.add(
                name, frame.loc[orphan, "_file"], frame.loc[orphan, "_line"], "account_id",
                frame.loc[orphan, "account_id"], reason,
            )
            data.stats.reject_rows(int(orphan.sum()), reason)
            data.frame = frame[~orphan].reset_index(drop=True)

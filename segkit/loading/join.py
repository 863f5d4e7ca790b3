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
from segkit.loading.model import InputStats, LoadOptions, Rejections, TableData, is_in

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


def match_email_domains(
    emails: pd.Series, accounts: pd.DataFrame, what: str = "customer email"
) -> tuple[pd.Series, pd.Series]:
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
    reasons[missing & domains.isna()] = f"no account id and no usable {what}"
    free = missing & domains.isin(FREE_EMAIL_DOMAINS).fillna(False)
    reasons[free] = f"no account id, and the {what} is a personal mailbox (" + domains[free] + ")"
    amb = missing & domains.isin(ambiguous).fillna(False)
    reasons[amb] = f"no account id, and the {what} domain is shared by several accounts (" + domains[amb] + ")"
    other = missing & reasons.isna()
    reasons[other] = f"no account id, and no account has the {what}'s domain (" + domains[other] + ")"
    return account_ids, reasons


#: Tables whose rows may lack an account id, and the email column that can still reach one.
EMAIL_COLUMNS = {
    "subscriptions": "customer_email", "invoices": "customer_email", "tickets": "requester_email",
    "cancellations": "customer_email",
}


def join_by_email_domain(tables: dict[str, TableData], rejections: Rejections, options: LoadOptions) -> None:
    """Rows without an account id reach one exactly (users, subscriptions), else through the email's domain (fuzzy)."""
    accounts = tables.get("accounts")
    for name, email_column in EMAIL_COLUMNS.items():
        data = tables.get(name)
        if data is None:
            continue
        frame = data.frame
        if "account_id" not in frame:
            frame["account_id"] = pd.Series(pd.NA, index=frame.index, dtype="string")
        need = frame["account_id"].isna()
        if not need.any():
            continue
        need = _exact_links(name, data, tables, need)
        if not need.any():
            continue
        what = email_column.replace("_", " ")
        n_need = int(need.sum())
        if accounts is None or "domain" not in accounts.frame or email_column not in frame:
            why = "no accounts table with a domain column" if email_column in frame else f"no {what}"
            ids = pd.Series(pd.NA, index=frame.index[need], dtype="string")
            reasons = _unmatched_keys(name, frame, need) + f"and {why} to match on"
        else:
            ids, reasons = match_email_domains(frame.loc[need, email_column], accounts.frame, what)
            hits = int(ids.notna().sum())
            data.stats.notes.append(
                f"{name}: {hits} of {n_need} rows without an account id reached an account by {what} domain "
                f"(fuzzy match, hit rate {hits / n_need:.0%})"
            )
        frame.loc[need, "account_id"] = ids
        _reject_unlinked(name, data, need, reasons, email_column, rejections, options)


def _reject_unlinked(name: str, data: TableData, need: pd.Series, reasons: pd.Series, email_column: str,
                     rejections: Rejections, options: LoadOptions) -> None:
    """Rows still without an account are rejected with their reason; too many is exit 3."""
    frame = data.frame
    lost = need & frame["account_id"].isna()
    if lost.any():
        lost_reasons = reasons[lost[need].to_numpy()]
        values = frame.loc[lost, email_column] if email_column in frame else pd.Series(pd.NA, index=frame.index[lost])
        rejections.add(name, frame.loc[lost, "_file"], frame.loc[lost, "_line"], "account_id", values, lost_reasons)
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


def _exact_links(name: str, data: TableData, tables: dict[str, TableData], need: pd.Series) -> pd.Series:
    """Exact before fuzzy: ids that another table already ties to an account; returns what still needs one."""
    if name == "tickets":
        return _via(data, tables.get("users"), need, "user_id", "the users table's user id")
    if name in ("invoices", "cancellations"):
        need = _via(data, tables.get("subscriptions"), need, "subscription_id", "the subscriptions' subscription id")
        return _via(data, tables.get("subscriptions"), need, "customer_id", "the subscriptions' customer id")
    return need


#: The exact keys ``_exact_links`` tries per table, and what they are looked up in.
EXACT_KEYS = {
    "tickets": (("user_id", "user in the users table"),),
    "invoices": (("customer_id", "subscription"),),
    "cancellations": (("subscription_id", "subscription"), ("customer_id", "subscription")),
}


def _unmatched_keys(name: str, frame: pd.DataFrame, need: pd.Series) -> pd.Series:
    """``no account id, `` plus, per row, the exact keys it had that matched nothing."""
    text = pd.Series("no account id, ", index=frame.index[need], dtype="string")
    for key, where in EXACT_KEYS.get(name, ()):
        if key in frame:
            had = frame.loc[need, key].notna()
            text[had] = text[had] + f"its {key} matches no {where}, "
    return text


def _via(data: TableData, other: TableData | None, need: pd.Series, key: str, what: str) -> pd.Series:
    """Fill missing account ids from ``other``'s unambiguous ``key`` -> account_id pairs."""
    frame = data.frame
    if not need.any() or other is None or key not in frame or key not in other.frame or "account_id" not in other.frame:
        return need
    pairs = other.frame[[key, "account_id"]].dropna().drop_duplicates()
    pairs = pairs[~pairs[key].duplicated(keep=False)].set_index(key)["account_id"]
    via = frame.loc[need, key].map(pairs)
    hits = int(via.notna().sum())
    if hits:
        frame.loc[need, "account_id"] = via.astype("string")
        data.stats.notes.append(f"{data.name}: {hits} rows reached an account through {what}")
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


def users_from_subscriptions(tables: dict[str, TableData]) -> None:
    """A subscriptions file with a user_id column serves two tables: it is the user -> account map too.

    Its distinct (user_id, account_id) pairs join the users table (a users file's own rows win);
    a user id given to several accounts maps to none of them, counted in the notes.
    """
    subs = tables.get("subscriptions")
    if subs is None or "user_id" not in subs.frame or not subs.frame["user_id"].notna().any():
        return
    pairs = subs.frame[["user_id", "account_id", "_file", "_line"]].dropna(subset=["user_id", "account_id"])
    pairs = pairs.drop_duplicates(["user_id", "account_id"])
    users = tables.get("users")
    if users is not None:
        pairs = pairs[~is_in(pairs["user_id"], pd.Index(users.frame["user_id"].dropna()))]
    shared = pairs["user_id"].duplicated(keep=False)
    files = sorted(set(pairs["_file"].astype(str)))
    note = (f"users: {int((~shared).sum())} user -> account pairs read from the subscriptions' user_id column "
            f"({', '.join(files)})")
    if shared.any():
        note += f"; {int(pairs.loc[shared, 'user_id'].nunique())} user ids belong to several accounts and map to none"
    pairs = pairs[~shared]
    if users is None:
        stats = InputStats(table="users", preset="from-subscriptions", files=list(subs.stats.files),
                           sha256=list(subs.stats.hashes()))
        stats.rows_read = stats.rows_used = len(pairs)
        tables["users"] = TableData("users", pairs.reset_index(drop=True), stats)
    else:
        users.frame = pd.concat([users.frame, pairs], ignore_index=True)
    tables["users"].stats.notes.append(note)


def report_unused_flags(tables: dict[str, TableData], *, events_by_user: bool = False) -> None:
    """Read but not used, said in the notes: an accounts churn flag beside a subscriptions table, and a
    users map that no event or ticket row keyed by user_id needs."""
    users, tickets = tables.get("users"), tables.get("tickets")
    if users is not None and not events_by_user and not (tickets is not None and "user_id" in tickets.frame):
        users.stats.notes.append("users: the user -> account map is read but not used: no event or ticket file "
                                 "has a user_id column")
    accounts, subs = tables.get("accounts"), tables.get("subscriptions")
    if accounts is not None and subs is not None and "churned" in accounts.frame and accounts.frame["churned"].notna().any():
        source = accounts.stats.columns.get("churned", "churned")
        accounts.stats.notes.append(f"accounts: {source} (churned) is read but not used: churn is read from the "
                                    "subscriptions (ended_at); the flag is used only without billing history")

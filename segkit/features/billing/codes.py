"""Integer account codes for the per-account groupbys of the billing rows (issue #14, many accounts).

Account ids are Arrow-backed text; every ``groupby("account_id")`` hashes all of them again
(~0.3 s per call at 3M rows). The run's paying rows carry ``account_code`` instead, computed once
(``billing_of``): the id's position among the sorted distinct ids. Grouping or sorting by the code
is grouping or sorting by the id (same groups, same order, same rows in each group, so the same
sums to the bit); ``account_ids`` turns a result's codes back into the ids.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ACCOUNT_CODE = "account_code"


def with_account_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with an ``account_code`` column (unchanged when an id is missing: those rows
    leave pandas' groupbys, so the ids are grouped as before)."""
    codes, _ = pd.factorize(frame["account_id"], sort=True)
    if (codes < 0).any():
        return frame
    return frame.assign(**{ACCOUNT_CODE: codes.astype(np.int64)})


def account_key(frame: pd.DataFrame) -> pd.Series:
    """What a per-account groupby groups by: the codes when the frame carries them, else the ids."""
    return frame[ACCOUNT_CODE] if ACCOUNT_CODE in frame else frame["account_id"]


def account_ids(frame: pd.DataFrame, keys: pd.Index) -> pd.Index:
    """The account ids of a groupby result's index over ``account_key(frame)`` (ids stay ids)."""
    if ACCOUNT_CODE not in frame:
        return keys
    codes = frame[ACCOUNT_CODE].to_numpy()
    row_of = np.zeros(int(codes.max()) + 1 if len(codes) else 0, dtype=np.int64)
    row_of[codes] = np.arange(len(codes))  # any row of a code holds its id
    ids = frame["account_id"].array.take(row_of[keys.to_numpy(dtype=np.int64)])
    return pd.Index(ids, name="account_id")


def factorize_accounts(frame: pd.DataFrame) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray]:
    """``pd.factorize(frame["account_id"], sort=True)``, from the codes when the frame carries them
    (they are sorted like the ids, so renumbering the present ones densely gives the same codes)."""
    if ACCOUNT_CODE not in frame:
        return pd.factorize(frame["account_id"], sort=True)
    codes = frame[ACCOUNT_CODE].to_numpy()
    present = np.zeros(int(codes.max()) + 1 if len(codes) else 0, dtype=bool)
    present[codes] = True
    dense = (np.cumsum(present) - 1)[codes]
    return dense.astype(np.intp), account_ids(frame, pd.Index(np.flatnonzero(present))).array

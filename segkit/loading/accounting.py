"""``--max-rejected``: the one rule ``segment`` and ``validate`` both apply, per file.

A file fails when the rows it lost, for any reason at any stage of loading (bad cells, duplicate
keys, rows that reach no account), exceed ``max_rejected`` of the rows it had. Rows that are not
errors of the export do not count: rows dated after as-of (they did not exist yet), Segment
calls other than ``track`` (skipped by design), and the export artefacts in ``EXEMPT_REASONS``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from segkit.errors import InputDataError
from segkit.loading.model import CELL_REASON_SUFFIX, REASON_NOT_TRACK

#: Reasons (substrings) that never count toward --max-rejected.
EXEMPT_REASONS: tuple[str, ...] = ("date after as-of", REASON_NOT_TRACK, "duplicate subscription row")


def counts_toward_limit(reason: str) -> bool:
    """A row-level rejection that is an error of the export (see module doc)."""
    return not reason.endswith(CELL_REASON_SUFFIX) and not any(marker in reason for marker in EXEMPT_REASONS)


@dataclass(frozen=True)
class RejectedShare:
    """One file's rejected rows against ``--max-rejected``."""

    file: str
    rows_read: int
    rejected: int  # rows that count toward the limit
    most_common: str | None

    @property
    def share(self) -> float:
        return self.rejected / self.rows_read if self.rows_read else 0.0

    def over(self, max_rejected: float) -> bool:
        return self.share > max_rejected


def rejected_share(file: str, rows_read: int, reasons: Iterable[str]) -> RejectedShare:
    """The share of ``file``'s rows rejected, from the reasons of its row-level rejections."""
    counted = Counter(str(r) for r in reasons if counts_toward_limit(str(r)))
    top = counted.most_common(1)[0][0] if counted else None
    return RejectedShare(file, rows_read, sum(counted.values()), top)


def rejected_shares(rejected: pd.DataFrame, rows_read: Mapping[str, int]) -> list[RejectedShare]:
    """Per file of ``rows_read``: its share, from a ``rejected.csv``-shaped frame."""
    reasons = rejected["reason"].fillna("").astype(str)
    by_file = {str(f): reasons[rejected["file"] == f].tolist() for f in rejected["file"].dropna().unique()}
    return [rejected_share(file, n, by_file.get(file, [])) for file, n in rows_read.items()]


def check_max_rejected(rejected: pd.DataFrame, rows_read: Mapping[str, int], max_rejected: float) -> None:
    """Exit 3 (InputDataError) on the first file over the limit, naming the most common reason."""
    for item in rejected_shares(rejected, rows_read):
        if item.over(max_rejected):
            raise InputDataError(
                f"{item.rejected} of {item.rows_read} rows rejected ({item.share:.1%}, more than --max-rejected "
                f"{max_rejected:g}); most common: {item.most_common}",
                file=item.file,
            )

"""``domain_tld``: accounts by the top-level domain of their website."""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit.segmenters import Param, Segmenter

OTHER = "Other"
#: Second-level labels that belong to the public suffix (``company.co.uk`` -> ``co.uk``).
SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "edu"}


def tld(domain: str) -> str | None:
    """``https://www.Example.co.uk/x`` -> ``co.uk``; None when there is no dot."""
    host = domain.strip().lower().split("://")[-1].split("/")[0].split(":")[0].rstrip(".")
    parts = [p for p in host.split(".") if p]
    if len(parts) < 2:
        return None
    if len(parts) >= 3 and parts[-2] in SECOND_LEVEL and len(parts[-1]) == 2:
        return ".".join(parts[-2:])
    return parts[-1]


class DomainTldSegmenter(Segmenter):
    """Parameters are declared with a check and the words for what it wants; segkit validates them."""

    name = "domain_tld"
    description = "Accounts by the top-level domain of their website (.com, .de, .co.uk, ...)."
    required_columns = ("domain",)
    parameters = {
        "column": Param("domain", "Account column holding the domain or URL.", lambda v: isinstance(v, str) and bool(v), "a column name"),
        "max_segments": Param(
            10, "Most frequent TLDs kept; the rest become 'Other'.",
            lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 2, "an integer of at least 2",
        ),
    }

    def required(self) -> tuple[str, ...]:
        return (self.column,)

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        # Read, never write, the feature frame; return one label per account (missing -> Unknown).
        values = features[self.column].astype("string").map(lambda v: tld(v) if isinstance(v, str) else None, na_action="ignore")
        labels = values.astype("string").map(lambda v: f".{v}", na_action="ignore").astype("string")
        counts = labels.value_counts()
        if len(counts) > self.max_segments:
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            keep = {k for k, _ in ranked[: self.max_segments - 1]}
            labels = labels.where(labels.isna() | labels.isin(keep), OTHER)
        self.counts_ = {str(k): int(v) for k, v in counts.items()}
        return labels

    def describe(self) -> dict[str, Any]:
        return {"column": self.column, "tld_counts": dict(sorted(self.counts_.items()))}

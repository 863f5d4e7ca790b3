"""Technographic segments: tools in the stack, integration count, adopter category.

- tools: the account's stack from a list column (``technologies``: ``Salesforce;Slack``). Each
  account is labelled with the first of ``tools`` it uses (default: the ``top_tools`` most common
  tools, most common first), "Other stack" when it uses none of them, Unknown without a stack.
- integrations: the number of integrations, from a numeric column or the length of the list
  column, in bands (default 0, 1-2, 3-5, 6+).
- adopter: Rogers' categories from how soon after a feature's first appearance in the event log
  the account first used it. A feature "launches" when anyone first uses it; an account's lag for
  a feature is first use - max(launch, the account's own first event), ranked among the accounts
  present at launch (0 = first, 1 = last; accounts that never used it rank last). The account's
  score is its mean rank over the features; the scores are cut at the cumulative Rogers shares
  2.5% / 16% / 50% / 84% into innovator / early adopter / early majority / late majority /
  laggard. Features already present in the first ``launch_grace_days`` of the log predate it;
  only later features count, unless there are none (then all do, and the report says so).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit.features.extra import first_used_columns
from segkit.segmenters.checks import increasing, integer, names, text
from segkit.segmenters.base import Param, Segmenter, band, one_of

OTHER_STACK = "Other stack"
ADOPTERS = ["Innovator", "Early adopter", "Early majority", "Late majority", "Laggard"]
ROGERS = [0.025, 0.16, 0.5, 0.84]


class TechnographicSegmenter(Segmenter):
    name = "technographic"
    description = "Tools in the stack, integration count, or adopter category by time-to-adopt new features."
    extra_features = ("event_detail",)
    parameters = {
        "by": Param("tools", "tools, integrations or adopter.", *one_of("tools", "integrations", "adopter")),
        "column": Param("technologies", "List column with the account's tools (tools and integrations).", *text(False)),
        "tools": Param([], "Tools to label by, in priority order; empty: the top_tools most common.", *names()),
        "top_tools": Param(5, "How many of the most common tools become segments when tools is empty.", *integer(1, 50)),
        "integrations_column": Param("", "Numeric column with the integration count; empty: count the tools in column.", *text()),
        "integration_cut_points": Param([1, 3, 6], "Integration counts where the next band starts.", *increasing(0)),
        "adopter_cut_points": Param(ROGERS, "Cumulative shares where the next adopter category starts (Rogers 1962).", *increasing(0, 1, length=4)),
        "launch_grace_days": Param(14, "Features first seen within this many days of the log's first event predate the log.", *integer(0)),
    }

    def required(self) -> tuple[str, ...]:
        if self.by == "adopter":
            return ("first_seen",)
        if self.by == "integrations" and self.integrations_column:
            return (self.integrations_column,)
        return (self.column,)

    def segment_order(self) -> list[str]:
        if self.by == "adopter":
            return ADOPTERS
        if self.by == "integrations":
            return self._integration_labels()
        return [*getattr(self, "tools_", []), OTHER_STACK]

    def _integration_labels(self) -> list[str]:
        cuts = self.integration_cut_points
        labels = ["No integrations" if cuts[0] <= 1 else f"<{cuts[0]:g} integrations"]
        for a, b in zip(cuts, cuts[1:]):
            if b - a <= 1:
                labels.append(f"{a:g} integration" + ("" if a == 1 else "s"))
            else:
                labels.append(f"{a:g}-{b - 1:g} integrations")
        labels.append(f"{cuts[-1]:g}+ integrations")
        return labels

    def _stacks(self, features: pd.DataFrame) -> pd.Series:
        values = features[self.column].astype("string").str.strip()
        return values.str.split(r"\s*[;,]\s*", regex=True)

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        self.note_ = None
        if self.by == "tools":
            return self._tools(features)
        if self.by == "integrations":
            return self._integrations(features)
        return self._adopters(features)

    def _tools(self, features: pd.DataFrame) -> pd.Series:
        stacks = self._stacks(features)
        counts = stacks.explode().dropna()
        counts = counts[counts != ""].value_counts()
        self.tool_counts_ = {str(k): int(v) for k, v in counts.items()}
        if self.tools:
            tools = list(self.tools)
        else:
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            tools = [str(k) for k, _ in ranked[: self.top_tools]]
        self.tools_ = tools
        folded = {t.casefold(): t for t in tools}

        def label(items: Any) -> Any:
            if not isinstance(items, list):
                return pd.NA
            present = {i.casefold() for i in items if i}
            if not present:
                return pd.NA
            for key, tool in folded.items():
                if key in present:
                    return tool
            return OTHER_STACK

        return stacks.map(label).astype("string")

    def _integrations(self, features: pd.DataFrame) -> pd.Series:
        if self.integrations_column:
            count = pd.to_numeric(features[self.integrations_column], errors="coerce").astype("float64")
        else:
            stacks = self._stacks(features)
            count = stacks.map(lambda xs: float(len([x for x in xs if x])) if isinstance(xs, list) else 0.0).astype("float64")
        return band(count, list(self.integration_cut_points), self._integration_labels())

    def _adopters(self, features: pd.DataFrame) -> pd.Series:
        columns = first_used_columns(features)
        if not columns:
            from segkit.errors import InputDataError

            raise InputDataError("segmenter 'technographic' (by adopter) needs per-feature first-use times from an event log; none was loaded")
        first_seen = features["first_seen"]
        uses = pd.DataFrame({event: features[col] for event, col in columns.items()})
        launches = uses.min()
        log_start = first_seen.min()
        grace = pd.Timedelta(days=self.launch_grace_days)
        new = [e for e in uses.columns if pd.notna(launches[e]) and launches[e] > log_start + grace]
        self.scope_ = "features launched after the log starts" if new else "all features (none launched after the log starts): time to adopt from each account's first event"
        considered = new or [e for e in uses.columns if pd.notna(launches[e])]
        self.features_considered_ = sorted(considered)
        ranks = []
        for event in considered:
            launch = launches[event]
            present = first_seen.notna()
            start = first_seen.where(first_seen > launch, launch)
            lag = (uses[event] - start).dt.total_seconds()
            lag = lag.where(present)
            never = present & uses[event].isna()
            lag = lag.mask(never, np.inf)
            rank = lag.rank(method="average", pct=True)
            ranks.append(rank.rename(event))
        if not ranks:
            return pd.Series(pd.NA, index=features.index, dtype="string")
        score = pd.concat(ranks, axis=1).mean(axis=1, skipna=True)
        position = score.rank(method="average", pct=True)
        return band(position, [c + 1e-12 for c in self.adopter_cut_points], ADOPTERS)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"by": self.by}
        if self.by == "tools":
            out["tools"] = list(self.tools_)
            out["tool_counts"] = dict(sorted(self.tool_counts_.items(), key=lambda kv: (-kv[1], kv[0]))[:20])
        elif self.by == "adopter":
            out["scope"] = self.scope_
            out["features_considered"] = self.features_considered_
            out["cut_points"] = list(self.adopter_cut_points)
        return out

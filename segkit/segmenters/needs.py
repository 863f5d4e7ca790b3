"""Needs segments from survey answers: rules from config, or clustering of the answers.

The answers are the survey columns segkit has no canonical name for (for example "Main need"),
one value per account: its latest non-empty answer up to as-of. By default every such column with
at most ``max_levels`` distinct answers is used (free text and ids are left out); ``columns``
names them explicitly.

With ``rules`` (a list of tables, first match wins)::

    [[segmenters.needs.rules]]
    segment = "Reporting-led"
    when = { "Main need" = "Reporting" }          # a value, or a list of accepted values

    [[segmenters.needs.rules]]
    segment = "Connect everything"
    when = { "Main need" = ["Integrations", "Automation"], "Team size" = "21+" }

accounts that answered but match no rule are ``default_segment``. Without rules the answers are
one-hot encoded and clustered with k-means (k by silhouette unless given, seeded), each cluster
named by the answers that distinguish it. Either way the report lists, per segment, the answers
that over-index most in it (share in the segment against the share among all who answered).
Accounts without an answer are "No answer".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit.errors import InputDataError, UsageError
from segkit.segmenters import _clustering as cl
from segkit.segmenters.checks import integer, names, text
from segkit.segmenters.base import Param, Segmenter

NO_ANSWER = "No answer"


def _rules(value: Any) -> bool:
    if not isinstance(value, list):
        return False
    for rule in value:
        if not isinstance(rule, dict) or set(rule) - {"segment", "when"}:
            return False
        if not isinstance(rule.get("segment"), str) or not rule["segment"] or not isinstance(rule.get("when"), dict) or not rule["when"]:
            return False
        for accepted in rule["when"].values():
            items = accepted if isinstance(accepted, list) else [accepted]
            if not items or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in items):
                return False
    return True


class NeedsSegmenter(Segmenter):
    name = "needs"
    description = "Survey answers to needs questions: rules from config, or clusters of the answers."
    extra_features = ("survey_answers",)
    parameters = {
        "columns": Param([], "Survey answer columns; empty: every unmapped survey column with at most max_levels answers.", *names()),
        "rules": Param([], "Rules {segment, when = {column = value or [values]}}, first match wins; empty: cluster the answers.", _rules, "a list of tables with 'segment' (a name) and 'when' (column = value or list of values)"),
        "default_segment": Param("Other needs", "Segment of accounts that answered but match no rule.", *text(False)),
        "k": Param(0, "Number of clusters without rules; 0 chooses k by silhouette.", *integer(0, 30)),
        "k_max": Param(6, "Largest k tried when k = 0.", *integer(2, 30)),
        "max_levels": Param(12, "Columns with more distinct answers than this are left out when columns is empty.", *integer(2, 100)),
        "seed": Param(0, "Random seed for k-means.", *integer(0)),
    }

    def required(self) -> tuple[str, ...]:
        return tuple(self.columns)

    def _answer_columns(self, features: pd.DataFrame) -> list[str]:
        if self.columns:
            return list(self.columns)
        candidates = list(features.attrs.get("survey_answer_columns", []))
        if self.rules:
            wanted = {c for rule in self.rules for c in rule["when"]}
            return [c for c in candidates if c in wanted] or sorted(c for c in wanted if c in features.columns)
        chosen = []
        for col in candidates:
            if col not in features.columns:
                continue
            values = features[col].dropna()
            if len(values) and values.nunique() <= self.max_levels:
                chosen.append(col)
        return chosen

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        columns = self._answer_columns(features)
        if not columns:
            raise InputDataError(
                "segmenter 'needs' found no survey answer columns: load a survey export with answer columns "
                "(unmapped columns are kept under their names) or set segmenters.needs.columns"
            )
        missing = [c for c in columns if c not in features.columns]
        if missing:
            raise InputDataError(f"segmenter 'needs': no survey column {missing[0]!r} in the inputs")
        answers = features[columns].astype("string").apply(lambda s: s.str.strip()).replace("", pd.NA)
        answered = answers.notna().any(axis=1)
        self.columns_ = columns
        labels = pd.Series(NO_ANSWER, index=features.index, dtype="string")
        if not answered.any():
            self.method_ = "none"
            self.k_, self.silhouette_, self.k_selection_ = None, None, None
            self.answers_ = answers
            return labels
        if self.rules:
            self.method_ = "rules"
            self.k_, self.silhouette_, self.k_selection_ = None, None, None
            assigned = pd.Series(pd.NA, index=features.index, dtype="string")
            for rule in self.rules:
                match = pd.Series(True, index=features.index)
                for col, accepted in rule["when"].items():
                    if col not in answers:
                        raise UsageError(f"segmenters.needs.rules: no survey answer column {col!r}; answer columns: {', '.join(columns)}")
                    items = {str(v) for v in (accepted if isinstance(accepted, list) else [accepted])}
                    match &= answers[col].isin(items).fillna(False).astype(bool)
                assigned = assigned.mask(assigned.isna() & match, rule["segment"])
            assigned = assigned.fillna(self.default_segment)
            labels[answered.to_numpy()] = assigned[answered].to_numpy()
        else:
            self.method_ = "k-means on one-hot answers"
            rows = answers[answered].fillna("(no answer)")
            encoded = cl.encode(rows, columns, log_transform=False, max_levels=self.max_levels)
            if self.k:
                k, scores = self.k, {}
            else:
                k, scores = cl.choose_k(encoded.matrix, 2, self.k_max, self.seed)
            k = max(1, min(k, len(rows)))
            clusters = cl.kmeans(encoded.matrix, k, self.seed) if k > 1 else np.zeros(len(rows), dtype=int)
            named = self._name_clusters(rows, clusters, columns)
            labels[answered.to_numpy()] = [named[c] for c in clusters]
            self.k_ = k
            self.k_selection_ = {"method": "given" if self.k else f"highest mean silhouette for k in 2..{self.k_max}", "silhouette_by_k": {str(a): b for a, b in scores.items()}}
            self.silhouette_ = cl.silhouette(encoded.matrix, clusters, self.seed)
        self.answers_ = answers
        return labels

    @staticmethod
    def _name_clusters(rows: pd.DataFrame, clusters: np.ndarray, columns: list[str]) -> dict[int, str]:
        """Name a cluster by its most distinctive question and the answers that make up most of it.

        The question is the one whose answers in the cluster differ most from all respondents
        (total variation distance); the name lists that question's answers covering at least 80%
        of the cluster, most common first: "Main need: Collaboration / Automation".
        """
        names: dict[int, str] = {}
        used: set[str] = set()
        for cluster in sorted(set(clusters.tolist())):
            inside = rows[clusters == cluster]
            best: tuple[float, str] | None = None
            for col in columns:
                here = inside[col].value_counts(normalize=True)
                overall = rows[col].value_counts(normalize=True)
                distance = 0.5 * float(here.reindex(overall.index, fill_value=0.0).sub(overall).abs().sum())
                if best is None or distance > best[0] + 1e-12:
                    best = (distance, col)
            col = best[1] if best else columns[0]
            shares = inside[col].value_counts(normalize=True).sort_index(kind="stable").sort_values(ascending=False, kind="stable")
            picked, covered = [], 0.0
            for answer, share in shares.items():
                picked.append(str(answer))
                covered += float(share)
                if covered >= 0.8 - 1e-9:
                    break
            name = f"{col}: {' / '.join(picked)}"
            if name in used:
                name = f"{name} (#{cluster + 1})"
            used.add(name)
            names[cluster] = name
        return names

    def describe(self) -> dict[str, Any]:
        answers = self.answers_
        answered = answers.notna().any(axis=1)
        distinguishing: dict[str, list[dict[str, Any]]] = {}
        for seg in self.segments_:
            if seg == NO_ANSWER:
                continue
            inside = answered & (self.labels_ == seg)
            rows = []
            for col in self.columns_:
                overall = answers.loc[answered, col].value_counts(normalize=True)
                here = answers.loc[inside, col].value_counts()
                total = int(inside.sum())
                for value, count in here.items():
                    share = count / total if total else 0.0
                    base = float(overall.get(value, 0.0))
                    rows.append({"question": col, "answer": str(value), "accounts": int(count), "share": share, "share_overall": base, "lift": share / base if base else None})
            rows.sort(key=lambda r: (-(r["lift"] or 0), -r["accounts"], r["question"], r["answer"]))
            distinguishing[str(seg)] = rows[:3]
        return {
            "method": self.method_,
            "columns": self.columns_,
            "k": self.k_,
            "k_selection": self.k_selection_,
            "silhouette": self.silhouette_,
            "distinguishing_answers": distinguishing,
        }

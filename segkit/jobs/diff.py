"""``segkit diff``: what changed between two runs (label transitions, MRR bridge, churn/NRR explained).

Each run is read from its history folder (``accounts.parquet``: labels plus the per-account
facts the bridge needs) or, for a plain output directory, from its ``assignments.parquet`` /
``assignments.csv`` (labels only: the MRR lines are then 0). Definitions: docs/nightly.md.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segkit.errors import UsageError
from segkit.writers.rundir import ACCOUNTS, HISTORY_NAME, current_run, runs

FACTS = ("mrr", "ever_paid", "active_at_start", "churned_in_period", "mrr_period_start", "mrr_period_end")
#: headline figures compared in the changes block's ``overall`` (from each run's report.json)
HEADLINE = ("accounts", "customers", "mrr", "arpa", "churn_rate", "conversion_rate", "nrr", "grr", "clv")
BRIDGE = ("start", "new", "expansion", "reactivation", "contraction", "churned", "moved_in", "moved_out", "end")


@dataclass(frozen=True)
class RunData:
    """One side of a diff: where it came from and one row per account."""

    source: str
    accounts: pd.DataFrame  # account_id, one label column per segmentation, FACTS when known
    as_of: str | None = None
    overall: dict[str, Any] | None = None  # report.json's overall figures, when the run has one


def _read_table(folder: Path) -> pd.DataFrame | None:
    for name, reader in ((ACCOUNTS, pd.read_parquet), ("assignments.parquet", pd.read_parquet),
                         ("assignments.csv", lambda p: pd.read_csv(p, dtype=str, keep_default_na=False))):
        if (folder / name).is_file():
            return reader(folder / name)
    return None


def read_run(path: Path) -> RunData:
    """A run folder of a history, an ``--out`` DIR (its current run) or a plain output directory."""
    folder = Path(path)
    if (folder / HISTORY_NAME).is_dir():
        published = current_run(folder / HISTORY_NAME)
        folder = published.path if published is not None else folder
    table = _read_table(folder)
    if table is None or "account_id" not in table:
        raise UsageError(f"{path}: not a segkit run (no {ACCOUNTS}, assignments.parquet or assignments.csv)")
    table = table.copy()
    table["account_id"] = table["account_id"].astype("string")
    as_of, overall = None, None
    if (folder / "report.json").is_file():
        import json

        data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        as_of, overall = data.get("as_of"), data.get("overall")
    return RunData(str(path), table, as_of, overall)


def last_two_runs(out_dir: Path) -> tuple[RunData, RunData]:
    """``--out DIR``: the run before the published one, and the published one."""
    history = Path(out_dir) / HISTORY_NAME
    published = current_run(history)
    older = [run for run in runs(history) if published is not None and run.sequence < published.sequence]
    if published is None or not older:
        raise UsageError(f"{out_dir}: needs two runs in its history to compare; it has {0 if published is None else 1}")
    return read_run(older[-1].path), read_run(published.path)


def _labels(run: RunData) -> list[str]:
    return [c for c in run.accounts.columns if c != "account_id" and c not in FACTS]


def _cents(values: pd.Series) -> np.ndarray:
    return np.round(pd.to_numeric(values, errors="coerce").fillna(0.0).to_numpy(dtype="float64") * 100).astype(np.int64)


def _joined(old: RunData, new: RunData, name: str) -> pd.DataFrame:
    def side(run: RunData) -> pd.DataFrame:
        frame = pd.DataFrame({"account_id": run.accounts["account_id"], "label": run.accounts[name].astype("string")})
        frame["mrr"] = _cents(run.accounts["mrr"]) if "mrr" in run.accounts else 0
        frame["ever_paid"] = run.accounts["ever_paid"].astype(bool).to_numpy() if "ever_paid" in run.accounts else False
        return frame

    both = side(old).merge(side(new), on="account_id", how="outer", suffixes=("_old", "_new"), indicator=True)
    both["mrr_old"] = both["mrr_old"].fillna(0).astype(np.int64)
    both["mrr_new"] = both["mrr_new"].fillna(0).astype(np.int64)
    return both.sort_values("account_id", kind="stable").reset_index(drop=True)


def _transitions(both: pd.DataFrame) -> list[dict[str, Any]]:
    moved = both[(both["_merge"] == "both") & (both["label_old"] != both["label_new"])]
    grouped = moved.groupby(["label_old", "label_new"], sort=True, observed=True)
    return [{"from": str(a), "to": str(b), "accounts": int(len(g)), "mrr": int(g["mrr_new"].sum()) / 100}
            for (a, b), g in grouped]


def _bridge_lines(both: pd.DataFrame, segment: str) -> dict[str, float]:
    """One segment's MRR bridge in cents; moves happen at start MRR, the change after lands in the new segment."""
    in_old = (both["label_old"] == segment).fillna(False).to_numpy(dtype=bool)
    in_new = (both["label_new"] == segment).fillna(False).to_numpy(dtype=bool)
    present = (both["_merge"] == "both").to_numpy()
    old, new = both["mrr_old"].to_numpy(), both["mrr_new"].to_numpy()
    paid_before = both["ever_paid_old"].fillna(False).to_numpy(dtype=bool)
    stays = in_new & present
    delta = np.where(stays, new - old, 0)
    was_zero = stays & (old == 0) & (new > 0)
    appeared = in_new & (both["_merge"] == "right_only").to_numpy()
    lines = {
        "start": old[in_old].sum(),
        "new": new[appeared].sum() + new[was_zero & ~paid_before].sum(),
        "reactivation": new[was_zero & paid_before].sum(),
        "expansion": delta[(delta > 0) & (old > 0)].sum(),
        "contraction": -delta[(delta < 0) & (new > 0)].sum(),
        "churned": -delta[(delta < 0) & (new == 0)].sum() + old[in_old & (both["_merge"] == "left_only").to_numpy()].sum(),
        "moved_in": old[stays & ~in_old].sum(),
        "moved_out": old[in_old & present & ~in_new].sum(),
        "end": new[in_new].sum(),
    }
    return {key: int(lines[key]) / 100 for key in BRIDGE}


def _rates(run: RunData, name: str, kind: str) -> tuple[dict[str, float], dict[str, float]]:
    """Per segment: (weight, rate) of churn_rate (customers at start) or nrr (starting MRR)."""
    frame = run.accounts
    if kind == "churn_rate":
        if not {"active_at_start", "churned_in_period"} <= set(frame):
            return {}, {}
        base = frame["active_at_start"].astype(bool)
        top = frame["churned_in_period"].astype(bool) & base
        weight_col, top_col = base.astype(float), top.astype(float)
    else:
        if not {"mrr_period_start", "mrr_period_end"} <= set(frame):
            return {}, {}
        start = pd.to_numeric(frame["mrr_period_start"], errors="coerce").fillna(0.0)
        weight_col, top_col = start, pd.to_numeric(frame["mrr_period_end"], errors="coerce").fillna(0.0).where(start > 0, 0.0)
    sums = pd.DataFrame({"seg": frame[name].astype("string"), "w": weight_col, "t": top_col}).groupby("seg", observed=True).sum()
    total = float(sums["w"].sum())
    weights = {str(s): float(r.w) / total if total else 0.0 for s, r in sums.iterrows()}
    rates = {str(s): float(r.t) / float(r.w) for s, r in sums.iterrows() if r.w > 0}
    return weights, rates


def explain(old: RunData, new: RunData, name: str, kind: str) -> dict[str, Any] | None:
    """Overall change = mix + rate: mix = sum (w1 - w0) r0, rate = sum w1 (r1 - r0) (docs/nightly.md)."""
    w0, r0 = _rates(old, name, kind)
    w1, r1 = _rates(new, name, kind)
    if not (w0 and w1):
        return None
    segments = sorted(set(w0) | set(w1))
    before = {s: r0.get(s, r1.get(s, 0.0)) for s in segments}
    after = {s: r1.get(s, r0.get(s, 0.0)) for s in segments}
    mix = sum((w1.get(s, 0.0) - w0.get(s, 0.0)) * before[s] for s in segments)
    rate = sum(w1.get(s, 0.0) * (after[s] - before[s]) for s in segments)
    old_value = sum(w0.get(s, 0.0) * before[s] for s in segments)
    new_value = sum(w1.get(s, 0.0) * after[s] for s in segments)
    return {key: round(value, 6) for key, value in
            {"old": old_value, "new": new_value, "change": new_value - old_value, "mix": mix, "rate": rate}.items()}


def _segmentation(old: RunData, new: RunData, name: str) -> dict[str, Any]:
    both = _joined(old, new, name)
    segments = sorted(set(both["label_old"].dropna()) | set(both["label_new"].dropna()))
    changed = both[(both["_merge"] == "both") & (both["label_old"] != both["label_new"])]
    return {
        "transitions": _transitions(both),
        "changed": [{"account_id": a, "from": f, "to": t} for a, f, t in
                    zip(changed["account_id"], changed["label_old"], changed["label_new"])],
        "appeared": [str(a) for a in both.loc[both["_merge"] == "right_only", "account_id"]],
        "disappeared": [str(a) for a in both.loc[both["_merge"] == "left_only", "account_id"]],
        "bridge": [{"segment": str(s), **_bridge_lines(both, s)} for s in segments],
        "explained": {kind: explain(old, new, name, kind) for kind in ("churn_rate", "nrr")},
    }


def headline_changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any]:
    """Per headline figure both runs have: old, new and change (new - old; rates as fractions)."""
    if not old or not new:
        return {}
    out = {}
    for key in HEADLINE:
        before, after = _figure(old.get(key)), _figure(new.get(key))
        if before is not None and after is not None:
            out[key] = {"old": before, "new": after, "change": round(after - before, 6)}
    return out


def _figure(value: Any) -> int | float | None:
    """A finite number as plain JSON (numpy scalars included), else None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        return None
    return int(value) if isinstance(value, numbers.Integral) else round(float(value), 6)


def compare(old: RunData, new: RunData) -> dict[str, Any]:
    """The changes block (changes.json, ``segkit diff --format json``)."""
    names = [n for n in _labels(new) if n in set(_labels(old))]
    return {
        "old": {"run": old.source, "as_of": old.as_of},
        "new": {"run": new.source, "as_of": new.as_of},
        "overall": headline_changes(old.overall, new.overall),
        "segmentations": {name: _segmentation(old, new, name) for name in names},
    }


def diff(old: Path | None = None, new: Path | None = None, *, out_dir: Path | None = None) -> dict[str, Any]:
    """``segkit diff OLD NEW`` or ``segkit diff --out DIR``."""
    if out_dir is not None:
        if old is not None or new is not None:
            raise UsageError("segkit diff takes two run directories or --out DIR, not both")
        return compare(*last_two_runs(out_dir))
    if old is None or new is None:
        raise UsageError("segkit diff takes two run directories (OLD NEW) or --out DIR")
    return compare(read_run(old), read_run(new))


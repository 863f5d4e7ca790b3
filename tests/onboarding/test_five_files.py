"""Done means of issue 11: ``segkit segment *.csv`` on a five-file export, no config, under three header styles.

The export (``tests/onboarding/export.py``) has accounts, subscriptions, usage keyed by
subscription_id with usage_count, support tickets and churn events. Each run must place all five
files, account for every row, give the figures plain pandas computes from the same rows (churn,
MRR, tickets per account, CSAT, resolution hours, churn reasons, every account's behavioral group,
"High value, high maintenance" included), and ``segkit init *.csv`` + ``segment --config`` must give
the same report.json figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.onboarding.export import STYLES, build, write

PLACED = {"accounts.csv": "accounts", "subscriptions.csv": "subscriptions", "feature_usage.csv": "events",
          "support_tickets.csv": "tickets", "churn_events.csv": "cancellations"}
# behavioral at as-of: "High value, high maintenance" is formed from the period's tickets, so only there
# (docs/segmenters/behavioral.md); the default, period start, is tested in tests/segmenters.
BY = ("--by", "behavioral,attribute", "--set", 'segmenters.attribute.columns=["plan", "industry"]',
      "--set", 'segmenters.behavioral.at="as_of"')
END = pd.Timestamp("2025-01-01", tz="UTC")  # midnight after the default as-of (the latest date: 2024-12-31)
START = pd.Timestamp("2024-01-01", tz="UTC")


def _utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.replace("", None), utc=True)


def expected() -> dict:
    """The figures, from the export's rows with plain pandas."""
    t = build()
    subs = t["subscriptions"].assign(start=lambda f: _utc(f["start_date"]), end=lambda f: _utc(f["end_date"]),
                                     mrr=lambda f: f["mrr_amount"].astype(float))
    at_start = subs[(subs["start"] <= START) & (subs["end"].isna() | (subs["end"] > START))]
    at_end = subs[subs["end"].isna() | (subs["end"] >= END)]
    start_ids, end_ids = set(at_start["account_id"]), set(at_end["account_id"])
    tickets = t["support_tickets"].assign(opened=lambda f: _utc(f["submitted_at"]), solved=lambda f: _utc(f["closed_at"]))
    in_period = tickets[(tickets["opened"] >= START) & (tickets["opened"] < END)]
    scores = in_period["satisfaction_score"].astype(int)
    hours = ((in_period["solved"] - in_period["opened"]).dt.total_seconds() / 3600).dropna()
    churn = t["churn_events"].assign(at=lambda f: _utc(f["churn_date"]))
    reasons = churn[(churn["at"] >= START) & (churn["at"] < END)]["reason_code"].value_counts()
    return {
        "accounts": len(t["accounts"]),
        "customers": len(end_ids),
        "churn_rate": round(len(start_ids - end_ids) / len(start_ids), 6),
        "mrr": float(at_end["mrr"].sum()),
        "tickets_per_account": round(len(in_period) / len(t["accounts"]), 6),
        "csat": round(float((scores >= 4).mean()), 6),
        "median_resolution_hours": float(hours.median()),
        "churn_reasons": {k: int(v) for k, v in sorted(reasons.items())},
        "behavioral": behavioral_labels(t, at_end, in_period),
        "plan": at_start.sort_values("mrr", ascending=False, kind="stable").drop_duplicates("account_id")
                        .set_index("account_id")["plan_tier"].value_counts().sort_index().to_dict(),
        "industry": t["accounts"]["industry"].value_counts().sort_index().to_dict(),
    }


def behavioral_labels(t: dict[str, pd.DataFrame], at_end: pd.DataFrame, tickets: pd.DataFrame) -> dict[str, str]:
    """docs/segmenters/behavioral.md's profile rules with its defaults, in plain pandas, per account."""
    usage = t["feature_usage"].merge(t["subscriptions"][["subscription_id", "account_id"]], on="subscription_id")
    usage = usage.assign(day=_utc(usage["usage_date"]), n=usage["usage_count"].astype(int))
    ids = t["accounts"]["account_id"]
    e30, e90 = END - pd.Timedelta(days=30), END - pd.Timedelta(days=90)

    def per_account(rows: pd.DataFrame, how: str) -> pd.Series:
        grouped = rows.groupby("account_id")
        values = grouped["day"].nunique() if how == "days" else grouped["n"].sum()
        return values.reindex(ids, fill_value=0).astype(float)

    d30 = per_account(usage[usage["day"] >= e30], "days")
    d90 = per_account(usage[usage["day"] >= e90], "days")
    recent = per_account(usage[usage["day"] >= e30], "sum")
    prior = per_account(usage[(usage["day"] >= e90) & (usage["day"] < e30)], "sum") / 2
    intensity = np.select([d90 <= 0, (d30 >= 15) & (recent >= 100), d30 >= 4], ["Dormant", "Power", "Regular"], "Light")
    ratio = np.where(prior > 0, recent / prior.where(prior > 0, 1), np.inf)
    declining = ~(recent + 2 * prior < 10) & ~(ratio >= 1.2) & (ratio <= 0.8)
    mrr = at_end.groupby("account_id")["mrr"].sum().reindex(ids, fill_value=0.0)
    cost = tickets.groupby("account_id").size().reindex(ids, fill_value=0).astype(float)
    paying = mrr > 0
    high = paying & (mrr >= mrr[paying].quantile(0.8)) & (cost >= cost[paying].quantile(0.8)) & (cost > 0)
    at_risk = paying & (declining | (intensity == "Dormant"))
    labels = pd.Series(intensity, index=ids).mask(high, "High value, high maintenance").mask(at_risk, "At risk")
    return labels.to_dict()


def _segment(run_cli, out: Path, *args: str) -> dict:
    result = run_cli("segment", *args, *BY, "--min-segment-size", "0", "--out", out)
    assert result.code == 0, result.err
    return json.loads((out / "report.json").read_text())


def _figures(report: dict, out: Path) -> dict:
    overall = report["overall"]
    figures = {k: overall[k] for k in ("accounts", "customers", "churn_rate", "mrr", "tickets_per_account", "csat",
                                        "median_resolution_hours", "churn_reasons")}
    assignments = pd.read_csv(out / "assignments.csv", dtype=str)
    figures["behavioral"] = assignments.set_index("account_id")["behavioral"].to_dict()
    for name in ("plan", "industry"):
        segments = report["segmentations"][f"attribute:{name}"]["segments"]
        figures[name] = {s["segment"]: s["accounts"] for s in segments if s["segment"] != "Unknown"}
    return figures


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
def test_segment_star_csv_places_all_five_files_and_gives_the_pandas_figures(run_cli, tmp_path: Path, style: str,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    paths = write(tmp_path / "export", style)  # what the shell's *.csv expands to: five paths, sorted
    monkeypatch.chdir(tmp_path)
    report = _segment(run_cli, tmp_path / "plain", *paths)
    inputs = report["inputs"]
    assert {Path(f).name: table for table, item in inputs.items() for f in item["files"]} == PLACED
    tables = build()
    rows = {"accounts": "accounts", "subscriptions": "subscriptions", "events": "feature_usage",
            "tickets": "support_tickets", "cancellations": "churn_events"}
    for table, name in rows.items():
        item = inputs[table]
        assert item["rows_read"] == len(tables[name]), table
        assert item["rows_read"] == item["rows_used"] + item["rows_rejected"] + item.get("rows_after_as_of", 0), table
    assert report["as_of"] == "2024-12-31"
    want = expected()
    got = _figures(report, tmp_path / "plain")
    assert got == want
    assert "High value, high maintenance" in set(got["behavioral"].values())
    assert report["segmentations"]["attribute:plan"]["labels_read_at"] == "period_start"
    messages = " ".join(w["message"] for w in report["warnings"])
    assert "churn_flag" in messages.lower().replace(" ", "_") or "churnflag" in messages.lower().replace(" ", "")

    init = run_cli("init", *paths, "--output", tmp_path / "segkit.toml")
    assert init.code == 0, init.err
    configured = _segment(run_cli, tmp_path / "configured", "--config", tmp_path / "segkit.toml")
    assert _figures(configured, tmp_path / "configured") == want
    for key in ("overall", "segmentations", "inputs"):
        if key == "inputs":
            strip = {t: {k: v for k, v in i.items() if k not in ("preset", "file_presets")} for t, i in report[key].items()}
            again = {t: {k: v for k, v in i.items() if k not in ("preset", "file_presets")} for t, i in configured[key].items()}
            assert again == strip
        else:
            assert configured[key] == report[key], key

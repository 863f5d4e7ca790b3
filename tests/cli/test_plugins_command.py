"""``segkit plugins`` lists every extension kind, built-ins from segkit itself (issue 9)."""

from __future__ import annotations

import json


def test_plugins_lists_every_kind_with_its_origin(run_cli) -> None:
    result = run_cli("plugins", "--format", "json")
    assert result.code == 0, result.err
    items = json.loads(result.out)
    by_kind: dict[str, set[str]] = {}
    for item in items:
        assert set(item) == {"kind", "name", "origin", "object_path", "ok", "problem"}
        by_kind.setdefault(item["kind"], set()).add(item["name"])
    assert {"firmographic", "value", "churn_risk"} <= by_kind["segmenter"]
    assert {"json", "csv", "html", "table", "parquet", "markdown", "jsonl"} <= by_kind["writer"]
    assert {"hubspot-companies", "stripe-subscriptions", "generic-accounts"} <= by_kind["preset"]
    assert {"duckdb", "spark"} <= by_kind["engine"]
    builtin = [i for i in items if i["object_path"].startswith("segkit.")]
    assert builtin and all(i["ok"] and i["origin"].startswith("segkit ") for i in builtin)


def test_plugins_table_names_the_columns(run_cli) -> None:
    result = run_cli("plugins", "--format", "table")
    assert result.code == 0, result.err
    header = next(line for line in result.out.splitlines() if "Kind" in line)
    for column in ("Kind", "Name", "From", "Object", "Status"):
        assert column in header

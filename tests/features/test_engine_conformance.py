"""Every registered event engine passes the engine kit; ``--engine`` picks from the registry."""

from __future__ import annotations

import shutil

import pytest

from segkit.errors import UsageError
from segkit.features.events.registry import engine_factory, registered_engines
from segkit.testing import check_engine


def _needs(name: str) -> list[pytest.MarkDecorator]:
    if name != "spark":
        return []
    return [pytest.mark.slow, pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java")]


@pytest.mark.parametrize("name", [pytest.param(n, marks=_needs(n)) for n in sorted(registered_engines())])
def test_every_registered_engine_gives_duckdbs_figures(name: str) -> None:
    check_engine(name)


def test_the_builtins_register_through_the_entry_point_group() -> None:
    engines = registered_engines()
    assert {"duckdb", "spark"} <= set(engines)
    assert engines["spark"].origin == engines["duckdb"].origin == "segkit"


def test_an_unknown_engine_is_a_usage_error_listing_the_registered_ones() -> None:
    with pytest.raises(UsageError, match=r"unknown --engine 'nope'; choose one of: .*duckdb.*spark"):
        engine_factory("nope")


def test_the_kit_catches_an_engine_that_loses_an_account() -> None:
    from segkit.features.events.registry import duckdb_engine

    class LosesOne:
        name = "loses-one"

        def __init__(self, options):  # noqa: ANN001 - an EngineOptions
            self.inner = duckdb_engine(options)

        def __getattr__(self, attr: str):  # noqa: ANN204 - everything else is DuckDB's
            return getattr(self.inner, attr)

        def features(self, *args):  # noqa: ANN002, ANN201
            result = self.inner.features(*args)
            result.frame = result.frame.iloc[1:]
            return result

    with pytest.raises(AssertionError, match="features differs"):
        check_engine(LosesOne, kinds=("csv",))


def test_rows_after_as_of_are_counted_not_rejected_by_the_duckdb_engine(tmp_path) -> None:
    """The kit's log has events up to 5 days after as-of and two accounts created after it: both
    are rows after as-of (SPEC 6), outside rows_rejected and rejected.csv; the sum holds."""
    import pandas as pd

    from segkit.features.events.registry import duckdb_engine
    from segkit.testing import engines as kit

    accounts, events = kit.write_fixture(tmp_path, "parquet")
    answers = kit._answers(duckdb_engine, accounts, events, tmp_path / "out.parquet")
    log = kit.event_log()
    # The first reason wins: a late row without an account or an event name is rejected for that.
    usable = log["account_id"].notna() & log["event"].notna()
    late = int((usable & (log["timestamp"] >= pd.Timestamp(kit.AS_OF + pd.Timedelta(days=1), tz="UTC"))).sum())
    assert answers["after_as_of_reasons"]["timestamp after as-of"] == late > 0
    assert answers["after_as_of_reasons"]["its account was created after as-of"] > 0
    assert answers["rows_after_as_of"] == sum(answers["after_as_of_reasons"].values())
    assert "timestamp after as-of" not in answers["reasons"]
    rejected = sum(answers["reasons"].values())
    assert answers["rows_read"] == answers["rows_used"] + rejected + answers["rows_after_as_of"] == len(log)
    assert not answers["rejected"]["reason"].str.contains("after as-of").any()
    assert not answers["rejected"]["value"].isin(kit.LATER_ACCOUNTS).any()

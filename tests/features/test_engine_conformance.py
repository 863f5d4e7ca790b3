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

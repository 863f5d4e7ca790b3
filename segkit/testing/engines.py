"""The event-engine conformance kit: an engine must give the DuckDB engine's figures exactly.

Run it on your own engine (an ``EngineFactory``, or a name registered under ``segkit.engines``)::

    from segkit.testing import check_engine
    check_engine("my-engine")          # raises AssertionError listing what differed

It writes a small deterministic event log (Parquet and CSV, with rows to reject: no account, no
event name, bad and future timestamps, duplicate event ids, unknown accounts) and a usage export
keyed by subscription (``usage``: linked through a subscriptions file, weighted by
``usage_count``, with durations and error counts, and rows to reject: unknown or shared
subscription ids, negative, fractional and non-numeric counts), loads it as a run would, and compares the engine with the DuckDB engine on every question of the ``EventEngine``
contract: the feature frame (values and dtypes), the rejected counts per reason and the rejected
rows, the rows after as-of (timestamps after it, accounts created after it), the features at an earlier date, the latest timestamp, the per-file summary, the value-feature queries, and ``convert``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from segkit.config import Config
from segkit.features.events.base import EventEngine
from segkit.features.events.registry import EngineFactory, EngineOptions, duckdb_engine, engine_factory
from segkit.loading import Inputs, LoadOptions, load_inputs

AS_OF = dt.date(2025, 6, 30)
#: Accounts of the log treated as created after as-of (excluded from the accounts by loading.asof).
LATER_ACCOUNTS = ("acc035", "acc036")
AS_OF_START = dt.date(2025, 3, 31)  # a second, earlier date: features at a period start
KINDS = ("parquet", "csv", "usage")


def event_log(n: int = 3000, seed: int = 11) -> pd.DataFrame:
    """The kit's event log: 40 account ids (10 unknown to the accounts table) and some bad rows."""
    rng = np.random.default_rng(seed)
    end = pd.Timestamp("2025-07-01", tz="UTC")
    ts = (end - pd.to_timedelta(rng.uniform(-5 * 86400, 200 * 86400, n), unit="s")).floor("us")
    frame = pd.DataFrame({
        "event_id": [f"e{i}" for i in range(n)],
        "account_id": rng.choice([f"acc{i:03d}" for i in range(40)] + [None], n),
        "user_id": rng.choice([f"u{i}" for i in range(60)] + [None], n),
        "event": rng.choice(["open", "click", "share", "export", None], n, p=[0.3, 0.3, 0.2, 0.15, 0.05]),
        "timestamp": ts,
    })
    frame.loc[::53, "event_id"] = "dup"  # duplicate event ids: the earliest row is kept
    return frame


def usage_log(n: int = 2000, seed: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Subscriptions (sub000..sub039 of acc000..acc039; sub007 given to two accounts) and usage rows by subscription."""
    rng = np.random.default_rng(seed)
    subs = pd.DataFrame({
        "subscription_id": [f"sub{i:03d}" for i in range(40)] + ["sub007"],
        "account_id": [f"acc{i:03d}" for i in range(40)] + ["acc001"],
        "start_date": ["2023-01-01"] * 40 + ["2024-01-01"],
        "mrr_amount": ["100"] * 41,
    })
    end = pd.Timestamp("2025-07-01", tz="UTC")
    days = (end - pd.to_timedelta(rng.integers(-3, 200, n), unit="D")).strftime("%Y-%m-%d")
    counts = rng.integers(0, 9, n).astype(str).astype(object)
    counts[::41] = ""  # empty: one event
    for step, bad in ((67, "-1"), (71, "2.5"), (73, "lots"), (79, "inf")):
        counts[::step] = bad
    usage = pd.DataFrame({
        "usage_id": [f"u{i}" for i in range(n)],
        "subscription_id": rng.choice([f"sub{i:03d}" for i in range(45)], n),
        "feature_name": rng.choice(["reports", "api", "export", ""], n, p=[0.4, 0.3, 0.25, 0.05]),
        "usage_date": days,
        "usage_count": counts,
        "usage_duration_secs": rng.integers(0, 3600, n).astype(str),
        "error_count": rng.integers(0, 3, n).astype(str),
    })
    usage.loc[::89, "usage_duration_secs"] = "-5"
    usage.loc[::43, "error_count"] = ""
    return subs, usage


def write_fixture(directory: Path, kind: str) -> tuple[Path, Path]:
    """The accounts CSV and the event log as ``kind`` (parquet, csv, or usage with subscriptions.csv) in ``directory``."""
    accounts = directory / "accounts.csv"
    accounts.write_text("account_id,name\n" + "".join(f"acc{i:03d},Co {i}\n" for i in range(30)))
    if kind == "usage":
        subs, usage = usage_log()
        subs.to_csv(directory / "subscriptions.csv", index=False)
        path = directory / "usage.csv"
        usage.to_csv(path, index=False)
        return accounts, path
    events = event_log()
    path = directory / f"events.{kind}"
    if kind == "parquet":
        events.to_parquet(path, coerce_timestamps="us")
    else:
        text = events.assign(timestamp=events["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        text.loc[::97, "timestamp"] = "not a time"
        text.to_csv(path, index=False)
    return accounts, path


def _load(accounts: Path, events: Path) -> Inputs:
    subscriptions = events.parent / "subscriptions.csv"
    tables = {"events": [events]} | ({"subscriptions": [subscriptions]} if subscriptions.exists() else {})
    return load_inputs([accounts], tables, Config(), LoadOptions(max_rejected=1.0))


@contextmanager
def _opened(factory: EngineFactory, inputs: Inputs) -> Iterator[EventEngine]:
    assert inputs.events is not None
    engine = factory(EngineOptions(events=inputs.events, users=inputs.frame("users")))
    try:
        yield engine
    finally:
        engine.close()


def _answers(factory: EngineFactory, accounts: Path, events: Path, out: Path) -> dict[str, object]:
    """Everything the contract asks, from one engine over a fresh load of the fixture."""
    inputs = _load(accounts, events)
    known = pd.Index(inputs.frame("accounts")["account_id"])
    # As if created after as-of (``loading.asof``): their events count as after as-of, not as unknown.
    inputs.events.later_accounts = pd.Index(LATER_ACCOUNTS, dtype="string")
    end = pd.Timestamp(AS_OF + dt.timedelta(days=1), tz="UTC")
    with _opened(factory, inputs) as engine:
        answers: dict[str, object] = {
            "max_timestamp": engine.max_timestamp(),
            "file_summary": engine.file_summary(),
            "features": engine.features(AS_OF, known, inputs.rejections).frame,
            "features_at": engine.features_at(AS_OF_START),
            "first_event": _sorted(engine.first_event("api" if events.name == "usage.csv" else "share",
                                                      end.tz_localize(None).to_pydatetime())),
            "event_days": _sorted(engine.event_days(end.tz_localize(None).to_pydatetime())),
            "usage_window": _sorted(engine.usage_window(end - pd.Timedelta(days=90), end)),
        }
    answers["reasons"] = dict(sorted(inputs.events.stats.reasons.items()))
    stats = inputs.events.stats
    answers["rows_read"] = stats.rows_read
    answers["rows_used"] = stats.rows_used
    answers["rows_after_as_of"] = stats.rows_after_as_of
    answers["after_as_of_reasons"] = dict(sorted(stats.after_reasons.items()))
    answers["rejected"] = inputs.rejections.frame()
    converted = _load(accounts, events)
    with _opened(factory, converted) as engine:
        answers["convert_rows"] = engine.convert(out, converted.rejections, as_of=AS_OF)
    answers["convert_rejected"] = converted.rejections.frame()
    return answers


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for col in frame.columns:
        if frame[col].dtype == object or str(frame[col].dtype).startswith("string"):
            frame[col] = frame[col].astype("string")
        elif pd.api.types.is_integer_dtype(frame[col]):
            frame[col] = frame[col].astype("int64")
    return frame.sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


def _differences(got: dict[str, object], want: dict[str, object]) -> list[str]:
    problems = []
    for key, expected in want.items():
        actual = got[key]
        if isinstance(expected, pd.DataFrame):
            try:
                pd.testing.assert_frame_equal(actual, expected, check_exact=True)
            except AssertionError as exc:
                problems.append(f"{key} differs: {str(exc).splitlines()[0]}")
        elif actual != expected:
            problems.append(f"{key}: {actual!r} != DuckDB's {expected!r}")
    return problems


def check_engine(engine: str | EngineFactory, *, kinds: tuple[str, ...] = KINDS) -> None:
    """Compare ``engine`` with the DuckDB engine on the kit's fixture in each file kind."""
    factory: Callable[[EngineOptions], EventEngine] = engine_factory(engine) if isinstance(engine, str) else engine
    problems: list[str] = []
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="segkit-engine-kit-") as tmp:
            directory = Path(tmp)
            accounts, events = write_fixture(directory, kind)
            probe = _load(accounts, events)
            with _opened(factory, probe) as opened:
                if not isinstance(opened, EventEngine):
                    raise AssertionError(f"{engine!r} does not implement the EventEngine protocol")
            want = _answers(duckdb_engine, accounts, events, directory / "duck.parquet")
            got = _answers(factory, accounts, events, directory / "candidate.parquet")
            problems += [f"{kind}: {p}" for p in _differences(got, want)]
    if problems:
        raise AssertionError("engine conformance failed:\n" + "\n".join(problems))

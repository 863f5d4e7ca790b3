"""``segkit segment --out DIR`` as a nightly job: locked, atomic, with history, changes and alerts.

The run holds DIR's lock from before loading until the new set is published (``writers.rundir``);
``--if-changed`` compares the manifest (input sha256, options, segkit version) with the published
run's; ``--fail-on`` is checked after the outputs are written; ``--hash-ids`` replaces account
ids by a keyed HMAC before anything is rendered. See docs/nightly.md.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import operator
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from segkit import __version__
from segkit.config import Config, load_config
from segkit.errors import UsageError
from segkit.features.events.duckdb import remove_stale_workdirs
from segkit.jobs.diff import RunData, compare, read_run
from segkit.jobs.segment import segment
from segkit.jobs.settings import SegmentOptions
from segkit.jobs.stages import PathLike, Progress, TableFiles
from segkit.loading.formats import sha256_later, sha256_of
from segkit.metrics import DEFINITIONS
from segkit.report import Report
from segkit.writers.outdir import write_outputs
from segkit.writers.rundir import DEFAULT_KEEP, MANIFEST, current_run, locked

HASH_KEY_ENV = "SEGKIT_HASH_KEY"
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne, ">": operator.gt, "<": operator.lt,
}
_FAIL_ON = re.compile(r"^\s*(?:segment:(?P<segment>.+)\.)?(?P<metric>[a-z_]+)\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<value>[-+0-9.eE]+)\s*$")


@dataclass(frozen=True)
class NightlyOptions:
    """The ``--out DIR`` conveniences of issue 12."""

    keep: int = DEFAULT_KEEP
    if_changed: bool = False
    fail_on: Sequence[str] = ()
    hash_ids: bool = False


@dataclass(frozen=True)
class FailOn:
    """One ``--fail-on`` condition: ``metric OP value`` overall, or in the segment(s) named ``segment``."""

    text: str
    metric: str
    op: str
    value: float
    segment: str | None = None

    def crossed(self, report: Report) -> list[str]:
        """The places where the condition holds (``overall``, ``SEGMENTATION/SEGMENT``)."""
        places: list[tuple[str, Any]] = []
        if self.segment is None:
            places.append(("overall", report.data["overall"].get(self.metric)))
        else:
            for name, part in sorted(report.segmentations.items()):
                places += [(f"{name}/{row['segment']}", row.get(self.metric)) for row in part["segments"] if row["segment"] == self.segment]
            if not places:
                raise UsageError(f"--fail-on {self.text!r}: no segment named {self.segment!r} in this run")
        return [where for where, value in places if isinstance(value, (int, float)) and _OPS[self.op](float(value), self.value)]


def parse_fail_on(expressions: Sequence[str]) -> list[FailOn]:
    """``churn_rate>0.08``, ``segment:SMB.nrr<0.9`` -> checks; a bad one is a usage error before the run."""
    checks = []
    for text in expressions:
        match = _FAIL_ON.match(text)
        if not match:
            raise UsageError(f"--fail-on takes METRIC OP NUMBER or segment:NAME.METRIC OP NUMBER (OP one of > >= < <= == !=); got {text!r}")
        if match["metric"] not in DEFINITIONS:
            raise UsageError(f"--fail-on {text!r}: unknown metric {match['metric']!r}; see docs/metrics.md")
        try:
            value = float(match["value"])
        except ValueError:
            raise UsageError(f"--fail-on {text!r}: {match['value']!r} is not a number") from None
        checks.append(FailOn(text, match["metric"], match["op"], value, match["segment"]))
    return checks


@dataclass
class OutRun:
    """What a nightly run did."""

    report: Report | None
    paths: list[Path] = field(default_factory=list)
    skipped: bool = False  # --if-changed and nothing changed
    crossed: list[str] = field(default_factory=list)  # --fail-on conditions that held


def _input_paths(files: Sequence[PathLike], tables: TableFiles | None, config: Config) -> list[Path]:
    paths = [Path(f) for f in files]
    paths += [Path(f) for given in (tables or {}).values() for f in (given or [])]
    paths += [f for spec in config.inputs.values() for f in spec.files]
    if config.path is not None:
        paths.append(config.path)
    expanded: list[Path] = []
    for path in paths:
        expanded += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return expanded


def build_manifest(files: Sequence[PathLike], tables: TableFiles | None, config: Config, options: SegmentOptions,
                   key: bytes | None, *, wait: bool = True) -> dict[str, Any]:
    """Input sha256, options and version: what decides the outputs (for history and --if-changed).

    ``wait=False`` leaves the hashes computing in the background (``settled_manifest`` waits):
    only ``--if-changed`` needs them before the run.
    """
    paths = _input_paths(files, tables, config)
    inputs = {str(p): sha256_later(p) if not wait else sha256_of(p) for p in paths if p.is_file()}
    chosen = dataclasses.asdict(options)
    return {
        "segkit_version": __version__,
        "inputs_sha256": dict(sorted(inputs.items())),
        "inputs_unhashed": sorted(str(p) for p in paths if not p.is_file()),  # stdin (-), URLs: never "unchanged"
        "options": json.loads(json.dumps(chosen, sort_keys=True, default=str)),
        "hash_ids": None if key is None else hmac.new(key, b"segkit key id", hashlib.sha256).hexdigest()[:16],
    }


def _unchanged(history: Path, manifest: dict[str, Any]) -> bool:
    published = current_run(history)
    if published is None or not (published.path / MANIFEST).is_file() or manifest["inputs_unhashed"]:
        return False
    try:
        return published.read_json(MANIFEST) == manifest
    except (OSError, ValueError):
        return False


def hash_key() -> bytes:
    key = os.environ.get(HASH_KEY_ENV, "")
    if not key:
        raise UsageError(f"--hash-ids needs a secret key in the environment variable {HASH_KEY_ENV}")
    return key.encode("utf-8")


#: A run of characters that can be an id inside a message or a rejected row's text.
_TOKEN = re.compile(r"[^\s'\",;:()\[\]{}<>=|]+")


def hash_ids(report: Report, key: bytes) -> Report:
    """The report with every account id replaced by HMAC-SHA256(key, id), 16 hex digits: in the
    assignments and history facts, in rejected.csv (id columns, any cell holding a known id, ids
    inside a rejected row's text) and wherever a warning or check quotes one."""
    def one(value: Any) -> Any:
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return value
        return hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()[:16]

    def column(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        if frame is None or "account_id" not in frame:
            return frame
        return frame.assign(account_id=frame["account_id"].map(one).astype("string"))

    rejected = report.rejected.copy()
    known = set(report.assignments["account_id"].dropna().astype(str)) if "account_id" in report.assignments else set()
    if {"column", "value"} <= set(rejected):
        ids = rejected["column"].isin(["account_id", "user_id"])
        known |= set(rejected.loc[rejected["column"].eq("account_id"), "value"].dropna().astype(str))  # unknown accounts too
        quoted = ids | rejected["value"].astype("string").isin(known).fillna(False).astype(bool)
        rejected.loc[quoted, "value"] = rejected.loc[quoted, "value"].map(one)
        rest = ~quoted & rejected["value"].notna()
        rejected.loc[rest, "value"] = rejected.loc[rest, "value"].map(lambda text: hash_quoted(str(text), known, one))
    data = dict(report.data)
    for part in ("warnings", "checks"):
        if isinstance(data.get(part), list):
            data[part] = [{k: hash_quoted(v, known, one) if k == "message" and isinstance(v, str) else v for k, v in item.items()}
                          if isinstance(item, dict) else item for item in data[part]]
    assignments = column(report.assignments).sort_values("account_id", kind="stable").reset_index(drop=True)
    return dataclasses.replace(report, data=data, assignments=assignments, rejected=rejected,
                               account_facts=column(report.account_facts))


def hash_quoted(text: str, known: set[str], one: Callable[[Any], Any]) -> str:
    """``text`` with each token that is a known account id (or one written as a spreadsheet
    number, ``123.0``) replaced by its hash."""
    if not known:
        return text

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        core = token.rstrip(".")
        for candidate in (core, core[:-2] if core.endswith(".0") else None):
            if candidate and candidate in known:
                return str(one(candidate)) + token[len(core):]
        return token

    return _TOKEN.sub(swap, text)


def run_segment(out_dir: Path | None, files: Sequence[PathLike] = (), *, tables: TableFiles | None = None,
                config: PathLike | None = None, options: SegmentOptions | None = None,
                nightly: NightlyOptions | None = None, progress: Progress | None = None) -> OutRun:
    """``segkit segment``: into ``--out DIR`` (``segment_to_dir``), or to stdout only."""
    nightly = nightly or NightlyOptions()
    if out_dir is not None:
        return segment_to_dir(out_dir, files, tables=tables, config=config, options=options, nightly=nightly, progress=progress)
    if nightly.if_changed:
        raise UsageError("--if-changed compares with the last run in --out DIR; give --out")
    checks = parse_fail_on(nightly.fail_on)
    key = hash_key() if nightly.hash_ids else None
    report = segment(files, tables=tables, config=config, options=options, progress=progress)
    report = hash_ids(report, key) if key is not None else report
    return OutRun(report, crossed=check_all(checks, report))


def segment_to_dir(out_dir: Path, files: Sequence[PathLike] = (), *, tables: TableFiles | None = None,
                   config: PathLike | None = None, options: SegmentOptions | None = None,
                   nightly: NightlyOptions | None = None, progress: Progress | None = None) -> OutRun:
    """``segment`` into ``--out DIR`` under its lock: skip if unchanged, write with history and changes."""
    options = options or SegmentOptions()
    nightly = nightly or NightlyOptions()
    if nightly.keep < 1:
        raise UsageError(f"--keep takes 1 or more runs; got {nightly.keep}")
    checks = parse_fail_on(nightly.fail_on)
    key = hash_key() if nightly.hash_ids else None
    parsed = load_config(Path(config)) if config is not None else Config()
    with locked(Path(out_dir)) as history:
        remove_stale_workdirs()
        manifest = build_manifest(files, tables, parsed, options, key, wait=nightly.if_changed)
        if nightly.if_changed and _unchanged(history, manifest):
            return OutRun(None, skipped=True)
        report = segment(files, tables=tables, config=parsed, options=options, progress=progress)
        if key is not None:
            report = hash_ids(report, key)
        previous = current_run(history)
        if previous is not None and report.account_facts is not None:
            this_run = RunData("this run", report.account_facts, report.data.get("as_of"), report.data.get("overall"))
            report.changes = compare(dataclasses.replace(read_run(previous.path), source=previous.path.name), this_run)
        paths = write_outputs(report, Path(out_dir), keep=nightly.keep, manifest=settled_manifest(manifest), history=history)
    return OutRun(report, paths, crossed=check_all(checks, report))


def settled_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest with every background hash waited for."""
    hashes = {path: h.result() if isinstance(h, Future) else h for path, h in manifest["inputs_sha256"].items()}
    return {**manifest, "inputs_sha256": hashes}


def check_all(checks: list[FailOn], report: Report) -> list[str]:
    """Every ``--fail-on`` condition that holds, as ``TEXT at WHERE``."""
    return [f"{check.text} at {where}" for check in checks for where in check.crossed(report)]

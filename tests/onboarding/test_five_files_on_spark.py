"""Issue 14 goal 5: the onboarding export gives DuckDB's figures on ``--engine spark``.

The five-file export of ``export.py`` goes through ``segkit segment`` twice per input shape, once
per engine, on the same files: (a) the five CSV paths, as the shell's ``*.csv`` gives them, and
(b) one folder holding the export, its usage split into a folder of three part files (one
gzipped), two of them with rows the readers cannot parse (a ragged row, a line that is not
UTF-8). Every output file must be byte-identical across the engines except ``run.json``, whose
``started_at`` and ``timings_seconds`` are the clock's (no output names the engine, and both
runs read the same paths, so nothing else is left out).

One Spark CLI run per shape: the SparkSession is the process's (started once for the suite).
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path

import pytest

from tests.onboarding.export import write
from tests.onboarding.test_five_files import BY, _figures, expected

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (no java on PATH)"),
]
#: run.json keys that are the clock's, not the run's figures.
CLOCK_KEYS = ("started_at", "timings_seconds")


def _run(run_cli, out: Path, engine: str, *inputs: Path) -> Path:
    result = run_cli("segment", *inputs, *BY, "--min-segment-size", "0", "--engine", engine, "--out", out,
                     "--format", "json")
    assert result.code == 0, result.err
    return out


def _assert_same_outputs(duck: Path, spark: Path) -> None:
    names = sorted(p.name for p in duck.iterdir() if not p.name.startswith("."))  # not .segkit-history
    assert names == sorted(p.name for p in spark.iterdir() if not p.name.startswith("."))
    for name in names:
        if name == "run.json":
            runs = [json.loads((d / name).read_text()) for d in (duck, spark)]
            assert [{k: v for k, v in r.items() if k not in CLOCK_KEYS} for r in runs] == [
                {k: v for k, v in runs[0].items() if k not in CLOCK_KEYS}] * 2
        else:
            assert (spark / name).read_bytes() == (duck / name).read_bytes(), name


def test_the_five_csv_paths_give_duckdbs_outputs_on_spark(run_cli, tmp_path: Path) -> None:
    paths = write(tmp_path / "export", "spaced")  # "Spaced Labels": column names Spark must quote
    duck = _run(run_cli, tmp_path / "duckdb", "duckdb", *paths)
    spark = _run(run_cli, tmp_path / "spark", "spark", *paths)
    _assert_same_outputs(duck, spark)
    assert _figures(json.loads((spark / "report.json").read_text()), spark) == expected()  # plain pandas's


def _folder(root: Path) -> tuple[Path, int]:
    """The export in one folder, usage as ``feature_usage/part-{0,1,2}`` (the last gzipped) with two
    unparseable rows; returns the folder and the usage rows written."""
    write(root, "camel")
    usage = root / "feature_usage.csv"
    header, *rows = usage.read_bytes().splitlines(keepends=True)
    usage.unlink()
    parts = root / "feature_usage"
    parts.mkdir()
    third = len(rows) // 3 + 1
    chunks = [rows[i * third:(i + 1) * third] for i in range(3)]
    chunks[0].insert(5, b"U-999998,S-00001,2024-06-01,api,3,40,0,False,extra\r\n")  # line 7: one field too many
    chunks[2].insert(9, b"U-999999,S-00002,2024-06-02,r\xe9ports,2,30,0,False\r\n")  # line 11: not UTF-8
    (parts / "part-0.csv").write_bytes(header + b"".join(chunks[0]))
    (parts / "part-1.csv").write_bytes(header + b"".join(chunks[1]))
    (parts / "part-2.csv.gz").write_bytes(gzip.compress(header + b"".join(chunks[2])))
    return root, len(rows) + 2


def test_the_export_as_one_folder_gives_duckdbs_outputs_on_spark(run_cli, tmp_path: Path) -> None:
    folder, usage_rows = _folder(tmp_path / "export")
    duck = _run(run_cli, tmp_path / "duckdb", "duckdb", folder)
    spark = _run(run_cli, tmp_path / "spark", "spark", folder)
    _assert_same_outputs(duck, spark)
    events = json.loads((spark / "report.json").read_text())["inputs"]["events"]
    assert [Path(f).name for f in events["files"]] == ["part-0.csv", "part-1.csv", "part-2.csv.gz"]
    assert (events["rows_read"], events["rows_used"], events["rows_rejected"]) == (usage_rows, usage_rows - 2, 2)
    with open(spark / "rejected.csv", newline="", encoding="utf-8") as handle:
        rejected = [(Path(r["file"]).name, int(r["line"]), r["reason"]) for r in csv.DictReader(handle)
                    if r["table"] == "events"]
    assert rejected == [("part-0.csv", 7, "CSV row has the wrong number of fields"),
                        ("part-2.csv.gz", 11, "line is not valid UTF-8")]

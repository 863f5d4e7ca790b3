"""segkit.plugins: discovery of any entry-point group, with origin and warnings naming the package."""

from __future__ import annotations

import json
from pathlib import Path

from segkit.plugins import GROUPS, PluginRecord, describe_all
from tests.plugins.test_plugins import _fake_dist, _run

BUILT_IN_WRITERS = {"json", "jsonl", "csv", "html", "markdown", "parquet", "table"}

LIST_GROUP = (
    "import json, sys; from segkit.plugins import discover_group; found = discover_group(sys.argv[1], 'toy'); "
    "print(json.dumps({'plugins': [[p.name, p.origin, p.object_path, repr(p.obj)] for p in found.plugins], "
    "'warnings': list(found.warnings)}))"
)


def test_describe_all_lists_every_built_in_with_kind_origin_and_object_path() -> None:
    import segkit.segmenters  # noqa: F401 - registers the kinds, as the CLI does
    import segkit.writers  # noqa: F401

    records = describe_all()
    assert all(isinstance(r, PluginRecord) and r.ok for r in records if r.origin.startswith("segkit "))
    writers = {r.name: r for r in records if r.kind == "writer"}
    assert BUILT_IN_WRITERS <= set(writers)
    assert writers["csv"].object_path == "segkit.writers.csv:CsvWriter" and writers["csv"].origin.startswith("segkit ")
    assert {"segmenter", "writer"} <= {r.kind for r in records}
    assert set(GROUPS.values()) == {"segkit.segmenters", "segkit.writers", "segkit.presets", "segkit.engines"}


def test_any_group_name_is_discovered_with_origin_and_broken_entries_warn(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "toy_plugin_module.py").parent.mkdir(parents=True)
    (site / "toy_plugin_module.py").write_text("TOY = 'a toy'\n", encoding="utf-8")
    _fake_dist(site, "toy_dist", "[segkit.toys]\ngood = toy_plugin_module:TOY\nbad = toy_module_that_is_missing:X\n")
    result = _run(["-c", LIST_GROUP, "segkit.toys"], pythonpath=site)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["plugins"] == [["good", "toy_dist 1.0", "toy_plugin_module:TOY", "'a toy'"]]
    assert len(found["warnings"]) == 1
    assert found["warnings"][0].startswith("toy plugin 'bad' from toy_dist 1.0 failed to import (ModuleNotFoundError")
    assert found["warnings"][0].endswith("remove it with: pip uninstall toy_dist")


def test_a_broken_writer_plugin_warns_and_the_built_ins_still_work(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "not_a_writer.py").parent.mkdir(parents=True)
    (site / "not_a_writer.py").write_text("class Thing:\n    pass\n", encoding="utf-8")
    _fake_dist(site, "broken_writer", "[segkit.writers]\nbroken = broken_writer_module_missing:W\nodd = not_a_writer:Thing\n")
    script = (
        "import json; import segkit.writers as w; from segkit.plugins import describe_all; "
        "print(json.dumps({'formats': w.formats(), 'warnings': list(w.writer_warnings()), "
        "'records': [[r.kind, r.name, r.ok, r.problem] for r in describe_all() if r.kind == 'writer']}))"
    )
    result = _run(["-c", script], pythonpath=site)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert BUILT_IN_WRITERS <= set(found["formats"]) and "broken" not in found["formats"] and "odd" not in found["formats"]
    assert any("writer plugin 'broken' from broken_writer 1.0 failed to import" in w and "pip uninstall broken_writer" in w
               for w in found["warnings"])
    assert "entry point 'odd' from broken_writer 1.0 is not a segkit Writer class with a format; ignored" in found["warnings"]
    problems = {name: (ok, problem) for _, name, ok, problem in found["records"]}
    assert problems["odd"] == (False, "not a segkit Writer class with a format; ignored")
    assert problems["broken"][0] is False and "pip uninstall broken_writer" in problems["broken"][1]
    assert problems["json"] == (True, None)

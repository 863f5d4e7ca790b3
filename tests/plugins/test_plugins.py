"""Third-party plugins: the example package (a segmenter and a writer) installed from its own package, broken plugins."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from segkit import api
from segkit.segmenters import discover

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "segkit-plugin-example"
SAMPLE_CONFIG = ROOT / "configs" / "samples.toml"
BUILT_INS = {
    "firmographic", "geographic", "value", "attribute", "needs", "technographic", "behavioral",
    "nps", "lifecycle", "cohort", "rfm", "churn_risk", "cluster",
}


def _can_build_offline() -> bool:
    """setuptools can build a wheel here without downloading anything (it needs bdist_wheel)."""
    if importlib.util.find_spec("setuptools") is None:
        return False
    if importlib.util.find_spec("wheel") is not None:
        return True
    import setuptools

    major, minor = (int(x) for x in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1)


def _run(args: list[str], pythonpath: Path | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_segmenters_lists_every_built_in_with_its_origin() -> None:
    result = _run(["-m", "segkit", "segmenters", "--format", "json"])
    assert result.returncode == 0, result.stderr
    items = {item["name"]: item for item in json.loads(result.stdout)}
    assert BUILT_INS <= set(items)
    for name in BUILT_INS:
        assert items[name]["origin"].startswith("segkit "), items[name]["origin"]
        assert items[name]["parameters"], f"{name} declares no parameters"


@pytest.mark.slow
def test_example_plugin_is_discovered_from_its_installed_package_and_runs(tmp_path: Path) -> None:
    site = tmp_path / "site"
    source = tmp_path / "segkit-plugin-example"  # build from a copy: no build/ or egg-info in the repo
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(source)]
    if _can_build_offline():
        pip.insert(-1, "--no-build-isolation")  # offline and fast; otherwise pip fetches setuptools
    installed = subprocess.run(pip, capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    assert list(site.glob("segkit_plugin_example-0.1.0.dist-info")), sorted(p.name for p in site.iterdir())

    listed = _run(["-m", "segkit", "segmenters", "--format", "json"], pythonpath=site)
    assert listed.returncode == 0, listed.stderr
    items = {item["name"]: item for item in json.loads(listed.stdout)}
    assert items["domain_tld"]["origin"] == "segkit-plugin-example 0.1.0"
    assert BUILT_INS <= set(items)

    run = _run(
        ["-m", "segkit", "segment", "--config", str(SAMPLE_CONFIG), "--by", "domain_tld", "--format", "json", "--quiet"],
        pythonpath=site,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    segments = {row["segment"]: row["accounts"] for row in report["segmentations"]["domain_tld"]["segments"]}
    assert segments.get(".example", 0) >= 290  # the sample's domains are companyN.example
    assert "tests" in report["segmentations"]["domain_tld"]["quality"]

    # the example's writer: discovered by --format, written by --out, conformant
    tsv = _run(["-m", "segkit", "segment", "--config", str(SAMPLE_CONFIG), "--by", "nps", "--format", "tsv", "--quiet"],
               pythonpath=site)
    assert tsv.returncode == 0, tsv.stderr
    assert tsv.stdout.splitlines()[0] == "segmentation\tsegment\taccounts\tcustomers\tchurn_rate\tmrr"
    out = tmp_path / "out"
    written = _run(["-m", "segkit", "segment", "--config", str(SAMPLE_CONFIG), "--by", "nps", "--out", str(out), "--quiet"],
                   pythonpath=site)
    assert written.returncode == 0, written.stderr
    assert (out / "segments.tsv").read_text(encoding="utf-8") == tsv.stdout
    kit = _run(["-c", "from segkit.testing import check_writer; from segkit.writers import writers; "
                "print(check_writer(writers()['tsv'], name='tsv'))"], pythonpath=site)
    assert kit.returncode == 0 and "escaping" in kit.stdout, kit.stderr

    # Its preset and its engine are found through their entry-point groups and pass the kits.
    kits = _run(["-c", (
        "from segkit.loading.presets.registry import preset_registry\n"
        "from segkit.features.events.registry import registered_engines\n"
        "from segkit.testing import check_engine, check_preset\n"
        "found = preset_registry()\n"
        "assert found.origins['example-pipedrive-organizations'] == 'segkit-plugin-example', found.origins\n"
        "assert registered_engines()['duckdb-1thread'].origin == 'segkit-plugin-example'\n"
        "check_preset(found.presets['example-pipedrive-organizations'])\n"
        "check_engine('duckdb-1thread', kinds=('csv',))\n"
        "print('kits ok')\n"
    )], pythonpath=site)
    assert kits.returncode == 0 and kits.stdout.strip() == "kits ok", kits.stderr


def _fake_dist(site: Path, name: str, entry_points: str) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")


def test_a_plugin_that_fails_to_import_is_a_warning_naming_it(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _fake_dist(site, "broken_plugin", "[segkit.segmenters]\nbroken = broken_plugin_module_that_does_not_exist:Seg\n")
    (site / "not_a_segmenter.py").write_text("class Thing:\n    pass\n", encoding="utf-8")
    _fake_dist(site, "odd_plugin", "[segkit.segmenters]\nodd = not_a_segmenter:Thing\n")
    result = _run(["-m", "segkit", "segmenters", "--format", "json"], pythonpath=site)
    assert result.returncode == 0, result.stderr
    names = {item["name"] for item in json.loads(result.stdout)}
    assert BUILT_INS <= names and "broken" not in names and "odd" not in names
    assert "segmenter plugin 'broken' from broken_plugin 1.0 failed to import (ModuleNotFoundError" in result.stderr
    assert "pip uninstall broken_plugin" in result.stderr
    assert "entry point 'odd' from odd_plugin 1.0 is not a segkit Segmenter class; ignored" in result.stderr

    run = _run(["-m", "segkit", "segment", "--config", str(SAMPLE_CONFIG), "--by", "nps", "--format", "json"], pythonpath=site)
    assert run.returncode == 0, run.stderr
    warnings = json.loads(run.stdout)["warnings"]
    assert any(w["code"] == "plugin" and "'broken'" in w["message"] for w in warnings)


def test_registry_in_process_has_every_built_in() -> None:
    registry = discover()
    assert BUILT_INS <= set(registry.segmenters)
    listed = {item["name"] for item in api.list_segmenters()}
    assert BUILT_INS <= listed

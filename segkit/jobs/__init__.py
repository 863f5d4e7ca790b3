"""The application layer: one module per job, each a function the CLI and ``segkit.api`` call.

Settings are resolved once per run in ``settings.py``; the stage calls jobs share are in
``stages.py``. No stage (loading ... writers) imports this package.
"""

from segkit.jobs.convert import convert
from segkit.jobs.fit_clv import fit_clv
from segkit.jobs.fit_retention import fit_retention
from segkit.jobs.icp import feature_set, icp
from segkit.jobs.init import init_config
from segkit.jobs.registry import list_plugins, list_segmenters, registry_warnings, sample
from segkit.jobs.segment import parse_by, segment
from segkit.jobs.settings import SegmentOptions, Settings, resolve_load, resolve_settings
from segkit.jobs.stages import load, read_config
from segkit.jobs.validate import validate

__all__ = [
    "SegmentOptions", "Settings", "convert", "feature_set", "fit_clv", "fit_retention", "icp", "init_config",
    "list_plugins", "list_segmenters", "load", "parse_by", "read_config", "registry_warnings", "resolve_load", "resolve_settings",
    "sample", "segment", "validate",
]

"""``list_segmenters`` and ``sample``: the registry as data, and the sample exports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from segkit.jobs.stages import PathLike
from segkit.segmenters import discover


def list_segmenters() -> list[dict[str, Any]]:
    """The registry: each segmenter with its origin, description and parameters with defaults."""
    registry = discover()
    return [
        {
            "name": name,
            "origin": info.origin,
            "description": info.cls.description,
            "required_columns": list(info.cls.required_columns),
            "parameters": {
                pname: {"default": spec.default, "doc": spec.doc, "expected": spec.expected}
                for pname, spec in info.cls.parameters.items()
            },
        }
        for name, info in sorted(registry.segmenters.items())
    ]


def registry_warnings() -> list[str]:
    return list(discover().warnings)


def sample(out_dir: PathLike, *, accounts: int = 300, seed: int = 7, force: bool = False) -> list[Path]:
    """Write realistic sample exports with planted effects (see ``segkit.sample``).

    A directory that already holds files is refused unless ``force``: the samples would be
    mixed with (or overwrite) someone's exports.
    """
    from segkit.errors import UsageError
    from segkit.sample.generator import write_sample

    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: exists and is not a directory")
    if not force and folder.is_dir() and any(folder.iterdir()):
        raise UsageError(f"{folder}: the directory is not empty; pass --force to write the samples into it")
    return write_sample(folder, accounts=accounts, seed=seed)


def list_plugins() -> list[dict[str, Any]]:
    """Every registered extension (segmenters, writers, presets, engines), built in or plugin.

    Each entry point is loaded to tell whether it works; a broken one is listed with the
    problem and the command that removes it, never raised.
    """
    from dataclasses import asdict

    from segkit import plugins

    _register_kinds()
    return [asdict(record) for record in plugins.describe_all()]


def _register_kinds() -> None:
    """Import the stages that own the kinds, so each registers what a valid object of it is."""
    import segkit.features.events.registry  # noqa: F401
    import segkit.loading.presets.registry  # noqa: F401
    import segkit.segmenters  # noqa: F401
    import segkit.writers  # noqa: F401

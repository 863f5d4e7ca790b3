"""``init_config``: a commented segkit.toml with the mapping detected from each file's header."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from segkit.config import Config
from segkit.errors import OutputError, UsageError
from segkit.jobs.settings import resolve_load
from segkit.jobs.stages import PathLike, TableFiles, paths, table_paths


def init_config(
    files: Sequence[PathLike] = (),
    *,
    tables: TableFiles | None = None,
    output: PathLike = "segkit.toml",
    force: bool = False,
    read: Mapping[str, str] | None = None,
) -> Path:
    """Write a commented ``segkit.toml`` with the mapping detected from each file's header."""
    from segkit.loading.inspect import init_config as config_text

    target = Path(output)
    if target.exists() and not force:
        raise UsageError(f"{target} exists; pass --force to overwrite it, or --output another file")
    options = resolve_load(Config(), read=read).checked()
    explicit = table_paths(tables)
    if not files and not explicit:
        raise UsageError("segkit init needs the export files to look at: segkit init companies.csv subscriptions.csv ...")
    text = config_text(paths(files), explicit, Config(), options, output=target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.tmp")
        temp.write_text(text, encoding="utf-8")
        temp.replace(target)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write the config ({exc.strerror or exc})") from None
    return target

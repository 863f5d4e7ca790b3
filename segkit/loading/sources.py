"""What an input path names: a file, a directory, a glob, or a hive-partitioned folder.

A path that exists is literal, whatever its characters (``ev[1].jsonl`` is that file, never a
pattern); a directory stands for every data file under it (sorted, hidden and ``_`` files such
as ``_SUCCESS`` skipped); otherwise a path with ``*``, ``?`` or ``[`` is a glob segkit expands
itself (sorted), so the report lists exactly the files read. ``key=value`` folders
(``events/day=2024-01-01/part-0.parquet``) give each file's rows a ``key`` column.
"""

from __future__ import annotations

import glob
import re
from pathlib import Path

from segkit.errors import InputDataError

GLOB_CHARS = ("*", "?", "[")
#: File names a directory's data files end with (compressed forms included).
DATA_SUFFIXES = (".parquet", ".pq", ".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json", ".gz", ".zip")


def _data_files(directory: Path) -> list[Path]:
    found = []
    for path in sorted(directory.rglob("*")):
        parts = path.relative_to(directory).parts
        if any(p.startswith((".", "_")) for p in parts) or not path.is_file():
            continue
        if path.name.lower().endswith(DATA_SUFFIXES):
            found.append(path)
    return found


def expand_path(path: Path) -> list[Path]:
    """The files ``path`` names (see module doc); ``-`` and a missing plain path stay as given."""
    text = str(path)
    if text == "-" or path.is_file():
        return [path]
    if path.is_dir():
        files = _data_files(path)
        if not files:
            raise InputDataError("the folder holds no Parquet, CSV or JSON Lines files", file=text)
        return files
    if any(c in text for c in GLOB_CHARS):
        files = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not files:
            raise InputDataError("no file matches this pattern", file=text)
        return files
    return [path]


def expand_paths(paths: list[Path]) -> list[Path]:
    return [f for p in paths for f in expand_path(p)]


def hive_partitions(path: Path) -> dict[str, str]:
    """``key=value`` folder names on the way to ``path``, in order (the innermost wins)."""
    out: dict[str, str] = {}
    for part in path.parent.parts:
        match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", part)
        if match:
            out[match[1]] = match[2]
    return out


def glob_escape(text: str) -> str:
    """``text`` as a literal for readers that glob (DuckDB): each ``*?[`` in a one-character class."""
    return re.sub(r"([*?\[])", r"[\1]", text)

"""``--out DIR`` as one locked, atomically swapped set of files, with the run history.

Layout (docs/nightly.md)::

    DIR/.segkit.lock                      the lock (filelock: an fcntl lock, dies with its process)
    DIR/.segkit-history/run-000042-.../   one complete run: its files, manifest.json, accounts.parquet
    DIR/.segkit-history/current -> run-000042-...   the published run: swapped by one rename
    DIR/report.json -> .segkit-history/current/report.json   (each output a fixed symlink)

A run writes its files into a fresh ``mkdtemp`` folder of the history (same filesystem, private,
unpredictable name, files opened with O_EXCL|O_NOFOLLOW), renames it to its run name, then
replaces the ``current`` symlink with one ``rename(2)``: every name in DIR flips to the new run
at once, so DIR always shows one run's complete set. kill -9 at any moment leaves either the
old set or the new one; the next run (under the lock) removes the leftovers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segkit.errors import OutDirLocked, OutputError

LOCK_NAME = ".segkit.lock"
HISTORY_NAME = ".segkit-history"
HOLDER_NAME = "lock-holder.json"
CURRENT = "current"
RUN_PREFIX = "run-"
TEMP_PREFIX = "tmp-"
MANIFEST = "manifest.json"
ACCOUNTS = "accounts.parquet"
DEFAULT_KEEP = 30
_RUN_NAME = re.compile(r"run-(\d{6,})-")
_OLD_TEMP = re.compile(r"\.(.+)\.tmp-(\d+)$")  # temp names of segkit before the history folder
_OLD_OUTPUTS = ("report.json", "segments.csv", "assignments.parquet", "assignments.csv", "rejected.csv", "report.html",
                "run.json", "cohorts.csv")


def _refuse_symlink(path: Path) -> None:
    if path.is_symlink():
        raise OutputError(f"{path}: is a symbolic link, which segkit does not follow; remove it")


def prepare_dir(out_dir: Path) -> Path:
    """Create DIR (and its history folder) if needed; refuse planted symlinks at segkit's names."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the output directory ({exc.strerror or exc})") from None
    if not out_dir.is_dir():
        raise OutputError(f"{out_dir}: is not a directory")
    history = out_dir / HISTORY_NAME
    _refuse_symlink(history)
    try:
        history.mkdir(mode=0o755, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{history}: cannot create the history folder ({exc.strerror or exc})") from None
    if not history.is_dir():
        raise OutputError(f"{history}: is not a directory; segkit keeps its run history there")
    return history


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _holder(history: Path) -> str:
    try:
        info = json.loads((history / HOLDER_NAME).read_text(encoding="utf-8"))
        return f"pid {int(info['pid'])}, started {info['started_at']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "holder unknown"


@contextmanager
def locked(out_dir: Path) -> Iterator[Path]:
    """Hold DIR's lock for the whole block; yields the history folder. Exit 75 when held."""
    from filelock import FileLock, Timeout

    history = prepare_dir(out_dir)
    lock_path = out_dir / LOCK_NAME
    _refuse_symlink(lock_path)
    lock = FileLock(str(lock_path), timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise OutDirLocked(f"{out_dir}: another segkit run holds its lock ({_holder(history)}); try again later") from None
    except OSError as exc:
        raise OutputError(f"{lock_path}: cannot take the lock ({exc.strerror or exc})") from None
    try:
        holder = {"pid": os.getpid(), "started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        _replace_file(history, HOLDER_NAME, (json.dumps(holder) + "\n").encode())
        remove_leftovers(out_dir, history)
        yield history
    finally:
        lock.release()


def _write_new(path: Path, content: bytes) -> None:
    """Create ``path`` (never an existing file, never through a symlink), write, fsync."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _replace_file(folder: Path, name: str, content: bytes) -> None:
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=folder)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.chmod(temp, 0o644)
    os.replace(temp, folder / name)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _swap_link(path: Path, target: str, scratch: Path) -> None:
    """Point the symlink ``path`` at ``target`` with one rename (a temp link made in ``scratch``)."""
    if path.is_symlink() and os.readlink(path) == target:
        return
    if path.is_dir() and not path.is_symlink():
        raise OutputError(f"{path}: is a directory where segkit writes a file; remove it")
    while True:
        temp = scratch / f"{TEMP_PREFIX}link-{secrets.token_hex(8)}"
        try:
            os.symlink(target, temp)  # fails if the name exists: never reuses a planted path
            break
        except FileExistsError:
            continue
    os.replace(temp, path)


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


@dataclass(frozen=True)
class RunFolder:
    """One complete run in the history folder."""

    path: Path
    sequence: int

    def read_json(self, name: str) -> dict[str, Any]:
        return json.loads((self.path / name).read_text(encoding="utf-8"))


def runs(history: Path) -> list[RunFolder]:
    """The history's complete runs, oldest first (by sequence number)."""
    found = []
    for entry in history.iterdir() if history.is_dir() else []:
        match = _RUN_NAME.match(entry.name)
        if match and entry.is_dir() and not entry.is_symlink():
            found.append(RunFolder(entry, int(match.group(1))))
    return sorted(found, key=lambda run: run.sequence)


def current_run(history: Path) -> RunFolder | None:
    """The published run (what DIR shows), if any."""
    link = history / CURRENT
    if not link.is_symlink():
        return None
    name = os.readlink(link)
    match = _RUN_NAME.match(name)
    target = history / name
    if "/" in name or not match or not target.is_dir():
        return None
    return RunFolder(target, int(match.group(1)))


def remove_leftovers(out_dir: Path, history: Path) -> None:
    """Under the lock: remove what killed runs left (temp folders and links, unpublished runs)."""
    published = current_run(history)
    for entry in history.iterdir():
        match = _RUN_NAME.match(entry.name)
        if entry.name.startswith(TEMP_PREFIX):
            _remove(entry)
        elif match and (published is None or int(match.group(1)) > published.sequence):
            _remove(entry)
    for entry in out_dir.iterdir():
        old = _OLD_TEMP.match(entry.name)
        if old and old.group(1) in _OLD_OUTPUTS and not _pid_alive(int(old.group(2))) and entry.is_file():
            entry.unlink(missing_ok=True)


def publish(out_dir: Path, history: Path, files: dict[str, bytes], kept: dict[str, bytes], keep: int,
            known_names: tuple[str, ...]) -> list[Path]:
    """Write one run's files into a fresh history folder and swap DIR to it as one set."""
    if keep < 1:
        raise OutputError(f"--keep takes 1 or more runs; got {keep}")
    latest = runs(history)
    sequence = (latest[-1].sequence if latest else 0) + 1
    work: Path | None = None
    try:
        work = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=history))
        for name, content in {**files, **kept}.items():
            _write_new(work / name, content)
        fsync_dir(work)
        os.chmod(work, 0o755)  # private while built; readable like any output once complete
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        final = history / f"{RUN_PREFIX}{sequence:06d}-{stamp}-{work.name[len(TEMP_PREFIX):]}"
        os.rename(work, final)
        # Links first: a link to a name the old set lacks dangles, which reads as "absent".
        for name in files:
            _swap_link(out_dir / name, f"{HISTORY_NAME}/{CURRENT}/{name}", history)
        _swap_link(history / CURRENT, final.name, history)
        fsync_dir(history)
        fsync_dir(out_dir)
        _unlink_absent(out_dir, set(known_names) - set(files))
        _prune(history, keep)
    except OSError as exc:
        if work is not None and work.exists():
            _remove(work)  # an unfinished folder; the published set is untouched
        raise OutputError(f"{out_dir}: cannot write the outputs ({exc.strerror or exc})") from None
    return [out_dir / name for name in files]


def _unlink_absent(out_dir: Path, names: set[str]) -> None:
    """Our links to files the new run does not have (they dangle now): remove them."""
    for name in names:
        path = out_dir / name
        if path.is_symlink() and os.readlink(path) == f"{HISTORY_NAME}/{CURRENT}/{name}":
            path.unlink(missing_ok=True)


def _prune(history: Path, keep: int) -> None:
    published = current_run(history)
    complete = [run for run in runs(history) if published is None or run.sequence <= published.sequence]
    for run in complete[:-keep]:
        _remove(run.path)

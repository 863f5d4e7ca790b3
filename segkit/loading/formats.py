"""What a file is before it is read: its format (CSV, JSON Lines, Parquet; gzip or zip), its name
in messages, standard input, its content hash, and a zip's members.

Detection looks at the content (magic bytes), not only the name, so a mislabelled or compressed
export is still read, and an Excel workbook fails with one line saying what to do.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import os
import queue
import sys
import tempfile
import threading
import zipfile
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from segkit.errors import InputDataError

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers")
STDIN = "-"
SAMPLE_BYTES = 1 << 16

_LABELS: dict[str, str] = {}


def label(path: Path | str) -> str:
    """How a file is named in messages (standard input is ``<stdin>``, not its temp copy)."""
    return _LABELS.get(str(path), str(path))


def stdin_to_file(stream: io.BufferedIOBase | None = None) -> Path:
    """Copy standard input to a temporary file once, so it can be sniffed and read like any file."""
    for temp, name in _LABELS.items():
        if name == "<stdin>":
            return Path(temp)
    directory = Path(tempfile.mkdtemp(prefix="segkit-stdin-"))
    import atexit

    atexit.register(shutil.rmtree, directory, True)
    target = directory / "stdin"
    source = stream if stream is not None else sys.stdin.buffer
    with open(target, "wb") as out:
        shutil.copyfileobj(source, out)
    _LABELS[str(target)] = "<stdin>"
    return target


@dataclass(frozen=True)
class FileFormat:
    """What a file is: ``kind`` is csv, jsonl or parquet; ``compression`` is gzip, zip or None.

    ``member`` is the CSV inside a zip; a zip of JSON Lines (Amplitude's export: a zip of gzipped
    JSON files) has no member: every file in it is read.
    """

    kind: str
    compression: str | None = None
    member: str | None = None


def _excel_error(path: Path) -> InputDataError:
    return InputDataError(
        "is an Excel/spreadsheet workbook, not CSV; save or export the sheet as 'CSV UTF-8' and pass that file",
        file=label(path),
    )


def _magic(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(8)
    except FileNotFoundError:
        raise InputDataError("file not found", file=label(path)) from None
    except IsADirectoryError:
        raise InputDataError("is a directory, not a file", file=label(path)) from None
    except PermissionError:
        raise InputDataError("permission denied", file=label(path)) from None
    except OSError as exc:
        raise InputDataError(f"cannot open ({short_error(exc)})", file=label(path)) from None


def _zip_format(path: Path) -> FileFormat:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [i.filename for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputDataError(f"not a readable zip archive ({short_error(exc)}); was the download cut short?", file=label(path)) from None
    if any(n.startswith("xl/") or n == "[Content_Types].xml" for n in names):
        raise _excel_error(path)
    if not names:
        raise InputDataError("empty zip archive (no files in it)", file=label(path))
    lower = [n.lower() for n in names]
    json_like = [n for n in lower if n.endswith((".gz", ".json", ".jsonl", ".ndjson"))]
    if json_like and len(json_like) == len(lower):
        return FileFormat("jsonl", "zip")
    csvs = [n for n, low in zip(names, lower) if low.endswith(CSV_SUFFIXES)]
    if len(csvs) == 1:
        return FileFormat("csv", "zip", csvs[0])
    if len(csvs) > 1:
        raise InputDataError(
            f"zip archive holds {len(csvs)} CSV files ({', '.join(csvs[:3])}...); unzip it and pass the files one by one",
            file=label(path),
        )
    raise InputDataError(
        f"zip archive holds no CSV or JSON files ({', '.join(names[:3])}); unzip it and pass the export itself",
        file=label(path),
    )


def detect_format(path: Path) -> FileFormat:
    """Decide the format from the name (``.csv.gz`` and friends) and, failing that, the content."""
    name = path.name.lower()
    if name.endswith(EXCEL_SUFFIXES):
        if path.exists():
            raise _excel_error(path)
    magic = _magic(path)
    if magic.startswith(b"PK\x03\x04") or name.endswith(".zip"):
        return _zip_format(path)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: legacy .xls
        raise _excel_error(path)
    compression = None
    if name.endswith(".gz"):
        name = name[: -len(".gz")]
        compression = "gzip"
    elif magic.startswith(b"\x1f\x8b"):
        compression = "gzip"
    suffix = Path(name).suffix
    if suffix in CSV_SUFFIXES:
        return FileFormat("csv", compression)
    if suffix in JSONL_SUFFIXES:
        return FileFormat("jsonl", compression)
    if suffix in PARQUET_SUFFIXES or magic.startswith(b"PAR1"):
        return FileFormat("parquet", compression)
    if suffix in ("", ".dat", ".export", ".out") or label(path) == "<stdin>":
        # No telling name: look at the content. JSON Lines start with '{'; anything else is CSV.
        head = read_sample(path, FileFormat("csv", compression), 4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        return FileFormat("jsonl" if head.startswith(b"{") else "csv", compression)
    raise InputDataError(
        f"unknown file type {suffix!r}; segkit reads .csv/.tsv/.txt, .jsonl/.ndjson/.json, .parquet "
        "(each optionally .gz) and .zip",
        file=label(path),
    )


#: Decompression is refused past this many bytes out per byte in (docs/inputs.md) ...
MAX_DECOMPRESSION_RATIO = 100
#: ... once the output is past this size (small, very repetitive files are fine).
DECOMPRESSION_FLOOR = 64 << 20


def decompression_limit(path: Path) -> int:
    """The most bytes a compressed ``path`` may expand to."""
    return max(DECOMPRESSION_FLOOR, MAX_DECOMPRESSION_RATIO * path.stat().st_size)


def _too_large(path: Path, size: int) -> InputDataError:
    return InputDataError(
        f"refused: expands to more than {size:,} bytes ({MAX_DECOMPRESSION_RATIO}x its size, at least "
        f"{DECOMPRESSION_FLOOR >> 20} MiB); decompress it yourself and pass the plain file if it is genuine",
        file=label(path),
    )


class _BoundedRaw(io.RawIOBase):
    """A decompressing stream that fails once it has produced more than ``limit`` bytes."""

    def __init__(self, inner: io.BufferedIOBase, path: Path, limit: int) -> None:
        self.inner, self.path, self.limit, self.produced = inner, path, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        self.produced += len(data)
        if self.produced > self.limit:
            raise _too_large(self.path, self.limit)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()


def _bounded(inner: io.BufferedIOBase, path: Path) -> io.BufferedIOBase:
    return io.BufferedReader(_BoundedRaw(inner, path, decompression_limit(path)), 1 << 20)


def _declared_size(path: Path, fmt: FileFormat) -> int:
    """What a zip says its members expand to (gzip's trailer cannot be trusted: a cut file lies)."""
    if fmt.compression != "zip":
        return 0
    with zipfile.ZipFile(path) as archive:
        return sum(i.file_size for i in archive.infolist())


def open_binary(path: Path, fmt: FileFormat) -> io.BufferedIOBase:
    """The file's bytes, decompressed (gzip, or the CSV member of a zip), within ``decompression_limit``."""
    if fmt.compression in ("gzip", "zip") and path.is_file():
        if _declared_size(path, fmt) > decompression_limit(path):
            raise _too_large(path, decompression_limit(path))
        return _bounded(_open_decompressed(path, fmt), path)
    return _open_decompressed(path, fmt)


def _open_decompressed(path: Path, fmt: FileFormat) -> io.BufferedIOBase:
    if fmt.compression == "gzip":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if fmt.compression == "zip":
        archive = zipfile.ZipFile(path)
        member = fmt.member or next(
            i.filename for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")
        )
        raw = archive.open(member)
        if member.lower().endswith(".gz"):
            return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
        return raw  # type: ignore[return-value]
    return open(path, "rb")  # noqa: SIM115


def read_sample(path: Path, fmt: FileFormat, size: int = SAMPLE_BYTES) -> bytes:
    """The first ``size`` bytes, decompressed: enough to sniff an encoding, a delimiter or JSON."""
    with open_binary(path, fmt) as handle:
        return handle.read(size)


def short_error(exc: BaseException) -> str:
    """An exception's first line, short enough for a one-line message."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


#: One background hasher per process (hashlib releases the GIL, so it runs beside DuckDB and pandas).
#: A daemon thread: a run stopped by a signal exits at once instead of finishing the queued hashes.
_QUEUE: queue.SimpleQueue[tuple[Path, Future[str]]] = queue.SimpleQueue()
_HASHES: dict[tuple[str, int, int, int, int], Future[str]] = {}
_HASHES_LOCK = threading.Lock()
_WORKER: list[threading.Thread] = []


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _hash_queued() -> None:
    while True:
        path, future = _QUEUE.get()
        if not future.set_running_or_notify_cancel():
            continue
        try:
            future.set_result(_digest(path))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the hash
            future.set_exception(exc)


def sha256_later(path: Path) -> Future[str]:
    """The file's sha256, computed once per process in the background (the loader and the
    manifest both ask; a 1.4 GB export was hashed twice, once before the run started). Keyed by
    the file's identity and times, so a file replaced in place is hashed again."""
    try:
        st = os.stat(path)
        key = (os.path.realpath(path), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    except OSError:
        key = (str(path), -1, -1, -1, -1)
    with _HASHES_LOCK:
        future = _HASHES.get(key)
        if future is None or (future.done() and future.exception() is not None):
            future = _HASHES[key] = Future()
            _QUEUE.put((Path(path), future))
            if not _WORKER:
                _WORKER.append(threading.Thread(target=_hash_queued, name="segkit-sha256", daemon=True))
                _WORKER[0].start()
        return future


def sha256_of(path: Path) -> str:
    """Content hash recorded in the report, so a reader can tell which export a figure came from."""
    return sha256_later(path).result()


def resolved(hashes: list) -> list[str]:
    """``InputStats.sha256`` with any hash still being computed waited for."""
    return [h.result() if isinstance(h, Future) else h for h in hashes]


def extract_zip_members(path: Path, directory: Path) -> list[Path]:
    """Amplitude's export (a zip of gzipped JSON files) as plain files DuckDB can scan."""
    out = []
    try:
        with zipfile.ZipFile(path) as archive:
            for index, info in enumerate(archive.infolist()):
                if info.is_dir() or info.filename.startswith("__MACOSX/"):
                    continue
                name = Path(info.filename).name
                suffix = ".json.gz" if name.lower().endswith(".gz") else ".json"
                target = directory / f"{index:06d}{suffix}"
                if info.file_size > decompression_limit(path):
                    raise _too_large(path, decompression_limit(path))
                with _bounded(archive.open(info), path) as src, open(target, "wb") as dst:  # type: ignore[arg-type]
                    shutil.copyfileobj(src, dst)
                out.append(target)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputDataError(f"cannot unpack the zip archive ({short_error(exc)})", file=label(path)) from None
    if not out:
        raise InputDataError("empty zip archive (no files in it)", file=label(path))
    return out

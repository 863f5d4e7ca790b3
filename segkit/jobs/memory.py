"""Freed memory handed back to the system between stages (issue #14's memory ceilings).

pandas and pyarrow free into allocators that keep the pages for reuse: glibc's malloc arenas and
pyarrow's mimalloc pool. DuckDB allocates through its own allocator and never reuses them, so
the pages loading left behind (~115 MiB at 200k accounts) stayed in the process's peak while
DuckDB aggregated the events. Releasing them is a few milliseconds and moves no figure.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache


@cache
def _malloc_trim() -> ctypes._CFuncPtr | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS, Windows)."""
    name = ctypes.util.find_library("c") if sys.platform.startswith("linux") else None
    if not name:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    """Return the pages freed so far to the system (pyarrow's pool, then the C heap)."""
    pyarrow = sys.modules.get("pyarrow")
    if pyarrow is not None:
        pyarrow.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)

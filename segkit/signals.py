"""segkit's own SIGINT, SIGTERM and SIGHUP handlers: each stops the run (DuckDB queries too),
lets the cleanup run and exits 128 + the signal (SPEC section 5).

Installed by the console script (``segkit.console``) once the commands are imported (before that,
its start-up handler exits 128 + the signal at once), and installed whatever the parent set: a shell starts a script's
background job with SIGINT ignored, and segkit still stops on it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from segkit.errors import clear_interrupt, interrupt, pending_interrupt

#: The signals that stop a run: each exits 128 + its number after cleaning up (SPEC section 5).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _on_signal(signum: int, frame: object) -> None:
    """Stop the run: interrupt DuckDB and raise once; later signals wait for the cleanup."""
    first = pending_interrupt() is None
    error = interrupt(signum)
    if first:
        raise error


@contextmanager
def signal_handlers() -> Iterator[None]:
    """segkit's own handlers for the run (so a background job started with SIGINT ignored stops too)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Callable | int | None] = {}
    for signum in STOP_SIGNALS:
        previous[signum] = signal.signal(signum, _on_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        clear_interrupt()


def install() -> None:
    """The handlers for the whole process (the console script, before importing the commands)."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _on_signal)

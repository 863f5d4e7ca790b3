"""``segkit.api`` imported on first use, so ``segkit --help`` does not load pandas, DuckDB or scipy.

Every command module refers to ``api.<name>``; the attribute is looked up on the real module at
call time (so tests that monkeypatch ``segkit.api`` still reach the command).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _LazyModule:
    def __init__(self, name: str) -> None:
        self._name = name

    def _module(self) -> ModuleType:
        return importlib.import_module(self._name)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._module(), attr)


#: ``segkit.api``, imported when a command first calls into it.
api: Any = _LazyModule("segkit.api")

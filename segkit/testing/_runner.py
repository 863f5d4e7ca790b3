"""Running a kit's named checks: every check runs, and the failures are listed together."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def run_checks(subject: str, names: Iterable[str], run_one: Callable[[str], None]) -> list[str]:
    """Run each named check; return the names passed, or raise one AssertionError listing all failures.

    A check that crashes (any other exception) is a failure too, so one broken check never hides
    what the others would have found.
    """
    failures: list[str] = []
    passed: list[str] = []
    for name in names:
        try:
            run_one(name)
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
        except Exception as exc:  # noqa: BLE001 - report every check, not just the first crash
            failures.append(f"{name}: raised {type(exc).__name__}: {exc}")
        else:
            passed.append(name)
    if failures:
        raise AssertionError(f"{subject} fails {len(failures)} conformance check(s):\n- " + "\n- ".join(failures))
    return passed

"""Runs of the sample as a user makes them, for the report tests: tiny tickets and cancellations
exports (Zendesk-like and Stripe-like columns, docs/tables.md) written beside the samples, and
two runs into one ``--out DIR`` so the second has changes since the first."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, SAMPLES

REASONS = ("too expensive", "missing features", "switched to a competitor", "no longer needed")


def _accounts() -> list[str]:
    with (SAMPLES / "companies.csv").open(newline="", encoding="utf-8") as handle:
        return [row["Record ID"] for row in csv.DictReader(handle)]


def write_tickets(path: Path) -> Path:
    """Every third account opens one to three tickets in 2025; most are solved and rated."""
    rows = []
    for index, account in enumerate(_accounts()[::3]):
        for n in range(1 + index % 3):
            month, day, hours = 1 + (index + n) % 11, 1 + (index * 7 + n) % 27, 2 + (index * 5 + n * 11) % 70
            solved = "" if (index + n) % 9 == 0 else f"2025-{month:02d}-{day:02d}T{hours % 24:02d}:00:00Z"
            created = f"2025-{month:02d}-{day:02d}T00:00:00Z"
            rating = ("good", "bad", "")[(index + n) % 3] if (index + n) % 4 else "good"
            rows.append([f"T{index:03d}-{n}", account, created, solved, rating])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ticket_id", "account_id", "created_at", "solved_at", "satisfaction"])
        writer.writerows(rows)
    return path


def write_cancellations(path: Path) -> Path:
    """One row per subscription of the sample that ended in 2025, with a reason and Stripe's code."""
    rows = []
    with (SAMPLES / "subscriptions.csv").open(newline="", encoding="utf-8") as handle:
        for index, sub in enumerate(csv.DictReader(handle)):
            ended = sub["Ended At (UTC)"]
            if ended.startswith("2025"):
                code = "payment_failed" if index % 4 == 0 else "cancellation_requested"
                reason = "" if code == "payment_failed" else REASONS[index % len(REASONS)]
                rows.append([sub["account_id (metadata)"], ended, reason, code])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["account_id", "canceled_at", "reason", "reason_code"])
        writer.writerows(rows)
    return path


def segkit(*args: object) -> subprocess.CompletedProcess[str]:
    """``segkit ARGS`` from the repository root, at 80 columns."""
    env = {**os.environ, "COLUMNS": "80"}
    return subprocess.run([sys.executable, "-m", "segkit", *map(str, args)], cwd=REPO, capture_output=True,
                          text=True, env=env)


def two_runs_with_support(tmp_path: Path) -> Path:
    """``--out DIR`` after a run as of 2025-11-30 and one as of the data's last day (2025-12-31),
    both with the tickets and cancellations exports: the second run's report.html has changes."""
    tickets = write_tickets(tmp_path / "tickets.csv")
    cancellations = write_cancellations(tmp_path / "cancellations.csv")
    out = tmp_path / "out"
    common = ("--config", "configs/samples.toml", "--tickets", tickets, "--cancellations", cancellations,
              "--out", out, "--quiet")
    for extra in (("--as-of", "2025-11-30", "--max-rejected", "0.3"), ()):  # the later events are rejected
        done = segkit("segment", *common, *extra)
        assert done.returncode == 0, done.stderr
    return out

"""``segkit convert`` for event files on the DuckDB engine: the usable rows as one Parquet file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from segkit.features.events import definition as fdef
from segkit.features.events.base import AFTER_TIMESTAMP, REASON_TEXT, check_rejected_share, record_counts, split_after
from segkit.features.events.duckdb_files import lit
from segkit.features.events.duckdb_rejects import list_parse_rejects, parse_counts
from segkit.features.events.linking import converted_numbers
from segkit.loading.formats import label
from segkit.loading.model import Rejections

if TYPE_CHECKING:
    from segkit.features.events.duckdb import DuckDBEngine


def convert_events(self: DuckDBEngine, out: Path, rejections: Rejections, *, as_of: dt.date | None = None) -> int:
    """``segkit convert`` for events: the usable rows' canonical columns as Parquet; returns rows written.

    Same rules and accounting as a run (no as-of check unless ``as_of`` is given); duplicate
    event ids are kept, with the id, for the run to remove.
    """
    bounds = fdef.Bounds.at(as_of or dt.date(9000, 1, 1))
    self.bounds = bounds
    self._scan_text_once(bounds)
    reason = self._reason(bounds.end)
    self.con.execute(f"CREATE OR REPLACE TEMP VIEW scored AS SELECT *, {reason} AS reason FROM resolved")
    self.con.execute("CREATE OR REPLACE TEMP VIEW valid AS SELECT * FROM scored WHERE reason IS NULL")
    by_code = {int(c): int(n) for c, n in self._sql(
        "SELECT reason, count(*) FROM scored WHERE reason IS NOT NULL GROUP BY reason").fetchall()}
    columns = "account_id, user_id, event" + (", event_id" if self.has_event_id else "")
    columns += converted_numbers(self.files)
    self._sql(
        f"COPY (SELECT {columns}, make_timestamptz(t) AS timestamp FROM valid) TO {lit(str(out))} "
        "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)",
        what="converting events",
    ).fetchall()
    (written,) = self.con.execute(f"SELECT count(*) FROM read_parquet({lit(str(out))})").fetchall()[0]
    by_code, after = split_after(by_code)  # after --as-of: excluded and counted, not rejected
    counts = {REASON_TEXT[c]: n for c, n in by_code.items() if n} | parse_counts(self.parse_rejects)
    total = int(written) + sum(counts.values()) + after
    record_counts(self.events, counts, total, {AFTER_TIMESTAMP: after})
    check_rejected_share(self.events, counts, total)
    list_parse_rejects(self.parse_rejects, [label(ef.path) for ef in self.events.files], rejections)
    if counts:
        self._list_rejected(bounds, counts, [], rejections)
    return int(written)

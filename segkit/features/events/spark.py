"""The event features on Apache Spark (``--engine spark``): the same SQL as the DuckDB engine.

The feature definition is ``definition.py``, rendered with the Spark dialect; this module only
reads the mapped files into canonical columns (``account_id, user_id, event, event_id, call_type,
group_id, ts, t``), defines the same relations (``resolved``, ``scored``, ``valid``,
``event_pairs``, ``account_base``) as temporary views and runs the templates. The per-account
result (one row per account, at most millions) comes back to pandas through Arrow.

Files may be local paths or any URL Spark's Hadoop filesystem reads (``hdfs://``, ``s3a://``,
``gs://``, ``abfss://``): Parquet, CSV (header row) or JSON Lines. PySpark is an optional extra
(``pip install 'segkit[spark]'``) and needs Java 17.

Rejected rows are counted exactly by Spark (same rules, same pass as DuckDB), rows its readers
cannot parse included: the CSV and JSON readers run in PERMISSIVE mode with a corrupt-record
column, so a ragged CSV row or a line that is not JSON is flagged (``_bad``) instead of padded or
dropped, and CSV is read as ISO-8859-1 (one character per byte) and turned back into UTF-8 cell
by cell, so a line whose bytes are not UTF-8 is flagged too. Listing them with line numbers
(``rejected.csv``) needs the files in order, which a cluster does not keep: for local files the
listing is done by the DuckDB engine with the same rules; for remote files the counts are
reported and the listing is skipped with a note.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from segkit.errors import InputDataError, UsageError
from segkit.features.events import definition as fdef
from segkit.features.events.base import (
    EventFeatures, EventFileSummary, finish_frame, finish_frame_at, measures_of, settle_events,
)
from segkit.features.events.linking import LINKED_SOURCES, account_resolution, LINKS, has_numbers, spark_link_columns, subscription_links
from segkit.features.events.base import first_line as _first_line
from segkit.features.events.duckdb_rejects import csv_layout
from segkit.features.events.base import to_us as _us
from segkit.loading.model import EventFile, EventInput, Rejections
from segkit.loading.formats import label

if TYPE_CHECKING:
    from segkit.features.events.duckdb import DuckDBEngine

_SESSIONS: dict[str, Any] = {}  # pyspark SparkSession (optional dependency, imported lazily)
#: The column Spark's CSV and JSON readers put a line they cannot parse in (PERMISSIVE mode).
CORRUPT = "_segkit_unparsed"
#: CSV is read in this encoding (every byte one character, nothing lost or replaced) and each cell
#: turned back into UTF-8, so a line with bytes that are not UTF-8 is found as DuckDB finds it.
_BYTES = "ISO-8859-1"


def spark_session(master: str, timezone: str = "UTC") -> Any:
    """One SparkSession per process and master (Spark's start-up costs seconds)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError("--engine spark needs PySpark: pip install 'segkit[spark]' (and Java 17)") from None
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise UsageError("--engine spark needs Java 17 (java on PATH or JAVA_HOME)")
    session = _SESSIONS.get(master)
    if session is None:
        builder = (
            SparkSession.builder.master(master).appName("segkit")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.ansi.enabled", "false")  # unparseable cells become null, as in DuckDB
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.session.timeZone", "UTC")
        )
        if master.startswith("local"):
            builder = builder.config("spark.sql.shuffle.partitions", "8").config("spark.driver.memory", "2g")
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        _SESSIONS[master] = session
    session.conf.set("spark.sql.session.timeZone", timezone)  # naive timestamps are in --timezone
    # A CSV row with too many or too few fields is flagged only when every column is parsed.
    session.conf.set("spark.sql.csv.parser.columnPruning.enabled", "false")
    return session


def hadoop_literal(path: Path) -> str:
    """A local file that exists, as a path Hadoop's glob reads literally (``ev[1].jsonl`` is that file).

    Spark globs every path it is given (``*``, ``?``, ``[...]``, ``{a,b}``); a backslash escapes
    each of those characters. A URL or a path that does not exist is passed on as it is.
    """
    text = str(path)
    if not _is_local(text) or not Path(text.removeprefix("file://")).exists():
        return text
    return re.sub(r"([\\*?\[\]{}])", r"\\\1", text)


def _is_local(path: str) -> bool:
    return "://" not in path or path.startswith("file://")


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class SparkEventEngine:
    """Spark session views over the mapped event files; the same interface as ``EventEngine``."""

    name = "spark"

    def __init__(self, events: EventInput, *, timezone: str = "UTC", users: pd.DataFrame | None = None,
                 master: str = "local[2]") -> None:
        self.events = events
        self.timezone = timezone
        self.master = master
        self.spark = spark_session(master, timezone)
        self.users = users if users is not None and len(users) else None
        self.files = list(events.files)
        for ef in self.files:
            if ef.format.compression == "zip":
                raise InputDataError(f"{label(ef.path)}: --engine spark reads Parquet, CSV or JSON Lines (gzip ok), not zip archives")
        self.has_calls = any("call_type" in f.mapping for f in self.files)
        self.has_event_id = any("event_id" in f.mapping for f in self.files)
        self.bounds: fdef.Bounds | None = None
        self._views: list[str] = []
        try:
            self._define_views()
        except Exception as exc:  # noqa: BLE001 - Spark raises many kinds; all mean unreadable input
            hint = ""
            if "TIMESTAMP(NANOS" in str(exc):
                hint = "; Spark reads micro- or millisecond Parquet timestamps: write the file once with 'segkit convert'"
            raise InputDataError(f"cannot read the event files with Spark ({_first_line(exc)}){hint}") from None

    # -- reading ---------------------------------------------------------------------------

    def _read(self, ef: EventFile) -> tuple[Any, Any, dict[str, str]]:
        """The file as Spark reads it, each row's ``_bad`` code (null: parsed) and the CSV columns by name."""
        from pyspark.sql import functions as F

        path = hadoop_literal(ef.path)
        codes = fdef.REASON_CODES
        if ef.format.kind == "parquet":
            return self.spark.read.parquet(path), F.lit(None).cast("int"), {}
        if ef.format.kind == "csv":
            return self._read_csv(ef, path)
        df = self.spark.read.option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT).json(path)
        if CORRUPT not in df.columns:
            return df, F.lit(None).cast("int"), {}
        line = F.col(CORRUPT)
        bad = F.when(line.isNotNull(), F.when(F.is_valid_utf8(line), codes["bad_json"]).otherwise(codes["bad_utf8"]))
        return df, bad, {}

    def _read_csv(self, ef: EventFile, path: str) -> tuple[Any, Any, dict[str, str]]:
        """Every column as raw text by position (``_c0``...), plus the corrupt-record column.

        The header names and delimiter are the loader's (a local UTF-8 file), else Spark's own
        header read; positional names keep duplicate or dotted header names apart.
        """
        from pyspark.sql import functions as F
        from pyspark.sql import types as T

        layout = csv_layout(ef) or _local_csv_layout(ef)
        if layout is None:
            names, delimiter = self.spark.read.option("header", "true").csv(path).columns, ","
        else:
            names, delimiter = layout
        positional = [f"_c{i}" for i in range(len(names))]
        schema = T.StructType([T.StructField(n, T.StringType()) for n in positional + [CORRUPT]])
        df = (self.spark.read.schema(schema).option("header", "true").option("sep", delimiter)
              .option("quote", '"').option("escape", '"').option("encoding", _BYTES)
              .option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT).csv(path))
        line = F.concat_ws(delimiter, *[F.col(n) for n in positional + [CORRUPT]])
        codes = fdef.REASON_CODES
        bad = (F.when(~F.is_valid_utf8(F.encode(line, _BYTES).cast("string")), codes["bad_utf8"])
               .when(F.col(CORRUPT).isNotNull(), codes["bad_fields"]))
        by_name: dict[str, str] = {}
        for name, column in zip(names, positional):
            by_name.setdefault(name, column)  # a repeated name reads its first column, as the loader does
        return df, bad, by_name

    def _canonical(self, index: int, ef: EventFile) -> Any:
        from pyspark.sql import functions as F
        from pyspark.sql import types as T

        df, bad, csv_columns = self._read(ef)
        types = {f.name: f.dataType for f in df.schema.fields}

        def raw(canonical: str) -> Any:
            source = ef.mapping.get(canonical)
            if source is None:
                return None
            if source in csv_columns:  # raw bytes as ISO-8859-1 characters -> the UTF-8 text
                return F.encode(F.col(csv_columns[source]), _BYTES).cast("string")
            return F.col(".".join(_q(p) for p in source.split(".")))

        def text(canonical: str) -> Any:
            col = raw(canonical)
            if col is None:
                return F.lit(None).cast("string")
            source = ef.mapping[canonical]
            if ef.format.kind == "parquet" and "." not in source and isinstance(types.get(source), T.StringType):
                return col  # kept as stored, as in DuckDB
            if canonical == "account_id" and ef.options.account_may_be_list:
                field = types.get(source.split(".")[0])
                if isinstance(field, T.ArrayType):
                    col = col.getItem(0)
            return F.nullif(F.trim(col.cast("string")), F.lit(""))

        ts_col = raw("timestamp")
        if ts_col is None:
            ts = F.lit(None).cast("timestamp")
        else:
            source = ef.mapping["timestamp"]
            kind = types.get(source) if "." not in source else None
            if isinstance(kind, (T.TimestampType, T.DateType)):
                ts = ts_col.cast("timestamp")
            else:
                s = F.trim(ts_col.cast("string"))
                num = s.cast("double")
                epoch = F.when(F.abs(num).between(1e8, 1e14),
                               F.when(F.abs(num) > 1e11, F.timestamp_micros((num * 1000).cast("long")))
                               .otherwise(F.timestamp_micros((num * 1_000_000).cast("long"))))
                ts = F.coalesce(F.when(num.isNull(), s.cast("timestamp")), epoch)
        return df.select(
            text("account_id").alias("account_id"),
            text("user_id").alias("user_id"),
            text("event").alias("event"),
            text("event_id").alias("event_id"),
            F.lower(text("call_type")).alias("call_type"),
            text("group_id").alias("group_id"),
            ts.alias("ts"),
            F.lit(index).alias("_file"),
            bad.cast("int").alias("_bad"),
            *spark_link_columns({c: text(c) if c in ef.mapping else None for c in LINKED_SOURCES}),
        ).withColumn("t", F.unix_micros(F.col("ts")))

    def _view(self, name: str, sql: str, *, cache: bool = False) -> None:
        df = self.spark.sql(sql)
        if cache:
            df = df.cache()
        df.createOrReplaceTempView(name)
        self._views.append(name)

    def _define_views(self) -> None:
        frames = [self._canonical(i, ef) for i, ef in enumerate(self.files)]
        src = frames[0]
        for other in frames[1:]:
            src = src.unionByName(other)
        src.createOrReplaceTempView("src")
        self._views.append("src")
        has_group_calls = any("call_type" in f.mapping and "group_id" in f.mapping for f in self.files)
        self.has_users = self.users is not None or has_group_calls
        if self.has_users:
            parts = []
            if self.users is not None:
                given = self.spark.createDataFrame(self.users[["user_id", "account_id"]].astype("string").astype(object)
                                                   .where(self.users[["user_id", "account_id"]].notna(), None))
                given.createOrReplaceTempView("users_given")
                self._views.append("users_given")
                parts.append("SELECT user_id, account_id FROM users_given")
            if has_group_calls:
                exclude = "AND user_id NOT IN (SELECT user_id FROM users_given WHERE user_id IS NOT NULL)" if self.users is not None else ""
                parts.append(
                    f"""SELECT user_id, account_id FROM (
                        SELECT user_id, group_id AS account_id,
                               row_number() OVER (PARTITION BY user_id ORDER BY ts DESC NULLS LAST, group_id) AS rn
                        FROM src WHERE call_type = 'group' AND user_id IS NOT NULL AND group_id IS NOT NULL
                        AND _bad IS NULL {exclude}
                    ) WHERE rn = 1"""
                )
            self._view("users_map", " UNION ALL ".join(parts), cache=True)
        self.has_subscriptions = self.events.has_subscription_ids
        self.has_numbers = has_numbers(self.files)
        if self.has_subscriptions:
            links = subscription_links(self.events)
            self.spark.createDataFrame(links.astype(object).where(links.notna(), None),
                                       "subscription_id string, account_id string").createOrReplaceTempView("subscriptions_given")
            self._views.append("subscriptions_given")
        account, joins = account_resolution(has_subscriptions=self.has_subscriptions, has_users=self.has_users)
        self._view("resolved", f"""SELECT {account} AS account_id, s.user_id, s.event, s.event_id, s.ts, s.t,
            s.call_type, s._file, s._bad, {', '.join('s.' + c for c in LINKS.split(', '))} FROM src s {joins}""")

    # -- the features ----------------------------------------------------------------------

    def max_timestamp(self) -> pd.Timestamp | None:
        (value,) = self.spark.sql(
            "SELECT max(t) FROM resolved WHERE account_id IS NOT NULL AND account_id <> '' AND event IS NOT NULL AND event <> ''"
            " AND _bad IS NULL"
        ).collect()[0]
        return pd.Timestamp(int(value), unit="us", tz="UTC") if value is not None else None

    def _define_scored(self, bounds: fdef.Bounds) -> int:
        reason = fdef.reason_sql(bounds.end, has_calls=self.has_calls, has_subscriptions=self.has_subscriptions,
                                 has_numbers=self.has_numbers, has_parse=True)
        self._view("scored_all", f"SELECT *, {reason} AS reason FROM resolved")
        duplicates = 0
        if self.has_event_id:
            self._view("dup_ids", """SELECT event_id, count(*) AS n FROM scored_all
                WHERE reason IS NULL AND event_id IS NOT NULL GROUP BY event_id HAVING count(*) > 1""", cache=True)
            n_ids, n_rows = self.spark.sql("SELECT count(*), coalesce(sum(n), 0) FROM dup_ids").collect()[0]
            duplicates = int(n_rows) - int(n_ids)
        if duplicates:
            self._view("scored", f"""
                SELECT account_id, user_id, event, event_id, ts, t, call_type, _file, {LINKS}, reason FROM scored_all
                WHERE NOT (reason IS NULL AND event_id IS NOT NULL AND event_id IN (SELECT event_id FROM dup_ids))
                UNION ALL
                SELECT account_id, user_id, event, event_id, ts, t, call_type, _file, {LINKS}, reason FROM (
                    SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY ts, _file, account_id, event, user_id) AS rn
                    FROM scored_all WHERE reason IS NULL AND event_id IN (SELECT event_id FROM dup_ids)
                ) WHERE rn = 1""")
        else:
            self._view("scored", "SELECT * FROM scored_all")
        self._view("valid", "SELECT * FROM scored WHERE reason IS NULL")
        return duplicates

    def features(self, as_of: dt.date, known_accounts: pd.Index | None, rejections: Rejections) -> EventFeatures:
        bounds = fdef.Bounds.at(as_of)
        self.bounds = bounds
        d = fdef.SPARK
        try:
            duplicates = self._define_scored(bounds)
            self._view("event_pairs", fdef.pairs_sql(bounds), cache=True)
            self._view("account_base", fdef.account_base_sql(d, bounds), cache=True)
            frame = self.spark.sql(fdef.features_sql(d, bounds, measures=measures_of(self.events))).toPandas()
            by_code = {int(r[0]): int(r[1]) for r in self.spark.sql(fdef.rejected_counts_sql()).collect()}
        except Exception as exc:  # noqa: BLE001
            hint = ""
            if "TIMESTAMP(NANOS" in str(exc):
                hint = "; Spark reads micro- or millisecond Parquet timestamps: write the file once with 'segkit convert'"
            raise InputDataError(f"cannot read the events with Spark ({_first_line(exc)}){hint}") from None
        frame = _times_from_us(frame, ("first_seen", "last_seen"))
        settled = settle_events(self.events, frame, by_code, duplicates, known_accounts)
        if settled.counts:
            self._list_rejected(as_of, settled.counts, settled.unknown, rejections)
        frame = settled.frame
        return EventFeatures(frame=finish_frame(frame), max_timestamp=None)

    def _list_rejected(self, as_of: dt.date, counts: dict[str, int], unknown: list[str], rejections: Rejections) -> None:
        """Line numbers need the files in order: local files are listed by the DuckDB engine."""
        if not all(_is_local(str(ef.path)) for ef in self.files):
            self.events.stats.notes.append(
                "events: rejected rows are counted but not listed in rejected.csv (files read by Spark from a cluster filesystem)"
            )
            return
        engine = self._duckdb()
        try:
            engine.list_rejected(as_of, counts, unknown, rejections)
        finally:
            engine.close()

    def _duckdb(self) -> DuckDBEngine:
        """The DuckDB engine over the same files, for what needs the files in order (line numbers)."""
        from segkit.features.events.duckdb import DuckDBEngine

        return DuckDBEngine(self.events, timezone=self.timezone, users=self.users)

    # -- optional extras -------------------------------------------------------------------

    def event_detail(self, max_event_names: int) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
        names = [r[0] for r in self.spark.sql(f"{fdef.top_events_sql()} LIMIT {int(max_event_names)}").collect()]
        rows = [(i, n) for i, n in enumerate(names)] or [(-1, "")]
        self.spark.createDataFrame(rows, "idx int, event string").createOrReplaceTempView("top_event_names")
        wide = self.spark.sql(fdef.first_used_sql(len(names), "top_event_names")).toPandas()
        breadth = self.spark.sql(fdef.breadth_90_sql()).toPandas()
        return names, wide, breadth

    def features_at(self, as_of: dt.date) -> pd.DataFrame:
        """The features at an earlier date over the accounted events (after ``features``)."""
        bounds = fdef.Bounds.at(as_of)
        for name, sql in fdef.features_at_views(fdef.SPARK, bounds):
            self._view(name, sql)
        frame = self.spark.sql(fdef.features_at_sql(fdef.SPARK, bounds)).toPandas()
        return finish_frame_at(_times_from_us(frame, ("first_seen", "last_seen")))

    def usage_window(self, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
        return self.spark.sql(fdef.usage_window_sql(fdef.SPARK, _us(lo), _us(hi))).toPandas()

    def first_event(self, event: str, end: pd.Timestamp) -> pd.DataFrame:
        return self.spark.sql(fdef.first_event_sql(event, _us(end))).toPandas()

    def event_days(self, end: pd.Timestamp) -> pd.DataFrame:
        return self.spark.sql(fdef.event_days_sql(_us(end))).toPandas()

    def file_summary(self) -> dict[str, EventFileSummary]:
        """Per event file: records read (the unparseable ones too, as a run counts them) and the span
        of valid timestamps (``segkit validate --engine spark``)."""
        rows = self.spark.sql(
            "SELECT _file, count(*), min(t) FILTER (WHERE t >= 0 AND _bad IS NULL), max(t) FILTER (WHERE _bad IS NULL) "
            "FROM src GROUP BY _file"
        ).collect()
        out = {}
        for index, count, first, last in rows:
            span = None
            if first is not None and last is not None:
                span = (pd.Timestamp(int(first), unit="us", tz="UTC").isoformat(),
                        pd.Timestamp(int(last), unit="us", tz="UTC").isoformat())
            out[label(self.files[int(index)].path)] = EventFileSummary(rows_read=int(count), date_range=span)
        return out

    def convert(self, out: Path, rejections: Rejections, *, as_of: dt.date | None = None) -> int:
        """``segkit convert`` writes one local Parquet file: the DuckDB engine does it, same rules."""
        engine = self._duckdb()
        try:
            return engine.convert(out, rejections, as_of=as_of)
        finally:
            engine.close()

    def close(self) -> None:
        """Uncache and drop this run's views; the session stays for the next run in this process."""
        for name in reversed(self._views):
            try:
                self.spark.catalog.dropTempView(name)
            except Exception:  # noqa: BLE001 - best effort
                pass
        self._views.clear()


def _local_csv_layout(ef: EventFile) -> tuple[list[str], str] | None:
    """The loader's header names and delimiter of a local CSV in another encoding (Windows-1252...).

    Its cells are still checked as UTF-8 (a line that is not is rejected, as on DuckDB).
    """
    from segkit.loading.readers import read_header, sniff_csv

    if not ef.path.is_file() or ef.format.compression == "zip":
        return None
    try:
        return read_header(ef.path, ef.format), sniff_csv(ef.path, ef.format, whole_file=False).delimiter
    except InputDataError:
        return None


def _times_from_us(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    frame = frame.copy()
    for col in columns:
        frame[col] = pd.to_datetime(frame[col].astype("Int64"), unit="us", utc=True).astype("datetime64[us, UTC]")
    return frame

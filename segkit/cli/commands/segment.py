"""``segkit segment``: the main job, one call into ``segkit.api.segment``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from segkit.cli.lazy import api
from segkit.cli.app import app
from segkit.cli.environment import environment
from segkit.cli.options import (
    ConfigOpt, EngineOpt, FilesArg, ReadOverrides, ReportingCurrencyOpt, TableFiles, TimezoneOpt, default_config, parse_date,
    parse_period, with_option_groups,
)
from segkit.cli.render import choose_format, emit
from segkit.errors import ThresholdCrossed, UsageError


def _check_output_options(fmt: str, columns: list[str] | None) -> None:
    """A bad --format or --columns is a usage error before the run, not after it."""
    from segkit.writers import formats

    if fmt not in formats():
        raise UsageError(f"unknown --format {fmt!r}; choose one of: {', '.join(formats())}")
    if columns:
        from segkit.writers.table import check_columns

        check_columns(columns)


@app.command()
@with_option_groups
def segment(
    ctx: typer.Context,
    files: FilesArg = None,
    tables: TableFiles = TableFiles(),
    config: ConfigOpt = None,
    by: Annotated[Optional[list[str]], typer.Option(help="Segmenters: NAME[,NAME...]; NAME*NAME crosses two. Default: firmographic,geographic,value.")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Date the figures are computed at (default: the latest activity date in the data).")] = None,
    period: Annotated[Optional[str], typer.Option(help="Length of the metric period ending at as-of: 12, 6m, 1y (default 12 months).")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Directory to write every output file to (atomically).")] = None,
    format_: Annotated[Optional[str], typer.Option("--format", help="stdout format: table, json, jsonl, csv, markdown, html, parquet (default: table on a terminal, json when piped).")] = None,
    min_segment_size: Annotated[Optional[int], typer.Option(help="Suppress metrics of segments smaller than this (default 5).")] = None,
    gross_margin: Annotated[Optional[float], typer.Option(help="Gross margin for CLV, 0-1 (default 1.0).")] = None,
    timezone: TimezoneOpt = None,
    max_rejected: Annotated[Optional[float], typer.Option(help="Largest share of rejected rows per file before exit 3 (default 0.05).")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override a config value: SECTION.KEY=VALUE, e.g. segmenters.value.cut_points=[50,500].")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or warnings on stderr.")] = False,
    clv_method: Annotated[Optional[str], typer.Option("--clv-method", help="CLV method: simple, sbg or bgnbd (default simple).")] = None,
    discount_rate: Annotated[Optional[float], typer.Option("--discount-rate", help="Annual discount rate for CLV (default 0.10).")] = None,
    cohorts_by_segment: Annotated[Optional[bool], typer.Option("--cohorts-by-segment/--no-cohorts-by-segment", help="Also compute cohort tables per segment.", show_default=False)] = None,
    read: ReadOverrides = ReadOverrides(),
    reporting_currency: ReportingCurrencyOpt = None,
    engine: EngineOpt = None,
    spark_master: Annotated[Optional[str], typer.Option("--spark-master", help="With --engine spark: local[2] (default), spark://HOST:PORT, yarn, k8s://...")] = None,
    keep: Annotated[Optional[int], typer.Option("--keep", help="Runs kept in --out DIR's history folder (default 30).")] = None,
    if_changed: Annotated[Optional[bool], typer.Option("--if-changed", help="Skip the run (exit 0) when the inputs (sha256) and options equal --out DIR's last run.", show_default=False)] = None,
    fail_on: Annotated[Optional[list[str]], typer.Option("--fail-on", help="Exit 4 after writing when a figure crosses a line: churn_rate>0.08, segment:SMB.nrr<0.9 (repeatable).")] = None,
    hash_ids: Annotated[Optional[bool], typer.Option("--hash-ids", help="Replace account ids in every output by HMAC-SHA256 keyed with $SEGKIT_HASH_KEY.", show_default=False)] = None,
    columns: Annotated[Optional[list[str]], typer.Option("--columns", help="Table columns after the segment: NAME[,NAME...] of accounts, customers, conversion, churn, monthly_churn, mrr, arpa, clv, nrr, grr, nps (default: the essential ones and what else fits the width).")] = None,
    wide: Annotated[bool, typer.Option("--wide", help="Table: every column, however wide the lines get.")] = False,
) -> None:
    """Segment accounts and compute per-segment conversion, churn, MRR and CLV.

    Examples:

    \b
      segkit segment --config configs/samples.toml
      segkit segment --config configs/samples.toml --by value --columns churn,grr
      segkit segment --config configs/samples.toml --by 'firmographic*value'
      segkit segment --config configs/samples.toml --format markdown
      segkit segment --config configs/samples.toml --out report-dir
    """
    env = environment(ctx)
    config = default_config(config)
    defaults = SegmentDefaults.of(config)
    by, as_of, period, out, format_ = defaults.pick(by=by, as_of=as_of, period=period, out=out, format=format_).values()
    quiet = bool(defaults.get("quiet", False)) or quiet
    env.quiet = quiet
    fmt = choose_format(format_, env)
    _check_output_options(fmt, columns)
    given = defaults.pick(min_segment_size=min_segment_size, gross_margin=gross_margin, timezone=timezone,
                          max_rejected=max_rejected, clv_method=clv_method, discount_rate=discount_rate,
                          cohorts_by_segment=cohorts_by_segment, engine=engine, spark_master=spark_master)
    options = api.SegmentOptions(
        by=by, as_of=parse_date(as_of), period_months=parse_period(str(period)) if period else None,
        overrides=set_ or [], read=read.as_dict(), reporting_currency=reporting_currency, **given,
    )
    if options.min_segment_size is not None and options.min_segment_size < 0:
        raise UsageError("--min-segment-size must be 0 or more")
    nightly = api.NightlyOptions(**{k: v for k, v in defaults.pick(
        keep=keep, if_changed=if_changed, fail_on=fail_on or None, hash_ids=hash_ids).items() if v is not None})
    progress = env.info if (env.stderr_is_tty and not quiet) else None
    result = api.run_segment(out, files or [], tables=tables.as_dict(), config=config, options=options, nightly=nightly, progress=progress)
    if result.skipped:
        env.info(f"{out}: inputs and options unchanged since the last run; nothing to do (--if-changed)")
        return
    report = result.report
    if out is not None:
        env.info(f"wrote {len(result.paths)} files to {out}")
    if not quiet:  # always on stderr, whatever the format: stdout holds only the report
        for warning in report.data["warnings"]:
            env.info(f"warning: {warning['message']}")
    emit(report, fmt, env, columns=columns or (), wide=wide)
    if result.crossed:
        raise ThresholdCrossed(f"--fail-on: {'; '.join(result.crossed)} (outputs written)")


class SegmentDefaults(dict):
    """The ``[segment]`` section of the config: the default of each option not given."""

    @classmethod
    def of(cls, config: Optional[Path]) -> "SegmentDefaults":
        from segkit.config import load_config

        parsed = load_config(config) if config is not None else None
        section = cls(parsed.segment if parsed is not None else {})
        if isinstance(section.get("by"), str):
            section["by"] = [section["by"]]
        if section.get("out") is not None and parsed is not None and parsed.path is not None:
            section["out"] = parsed.path.parent / str(section["out"])
        for key in ("as_of", "period"):
            if section.get(key) is not None:
                section[key] = str(section[key])
        return section

    def pick(self, **given: object) -> dict[str, object]:
        """Each given value, else this section's."""
        return {key: value if value is not None else self.get(key) for key, value in given.items()}

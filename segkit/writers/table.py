"""The terminal table (rich): the default when stdout is a terminal.

It fits the width it is given (the terminal's, or ``$COLUMNS`` when stdout is a file): the
essential columns (segment, accounts, churn, MRR, NRR, CLV) always, in full, then as many of the
others as fit, and a line saying how to see the rest (``--columns``, ``--wide``). Cells are never
cut: a column that does not fit is left out, not shortened. Without colour (``NO_COLOR``,
``TERM=dumb``, stdout not a terminal) it is plain ASCII text under the same width rules.
"""

from __future__ import annotations

import difflib
import io
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from segkit.errors import UsageError
from segkit.errors import escape_control
from segkit.report import Report
from segkit.writers.base import Writer
from segkit.writers.changes import segmentation_lines
from segkit.writers.display import (
    COLUMN_NAMES, ESSENTIAL_COLUMNS, caption, check_lines, column_name, columns_for, display_rows, money_lines, quality_lines,
)

DEFAULT_WIDTH = 80
SEGMENT = "Segment"
PLAIN_BOX = box.Box("    \n    \n -- \n    \n    \n -- \n    \n    \n", ascii=True)
Column = tuple[str, Callable[[dict[str, Any]], str], bool]


def check_columns(names: Sequence[str]) -> list[str]:
    """--columns NAME,...: the known names, or a usage error suggesting the closest."""
    out = []
    for name in (n.strip().lower() for item in names for n in item.split(",")):
        if not name:
            continue
        if name not in COLUMN_NAMES:
            close = difflib.get_close_matches(name, list(COLUMN_NAMES), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"unknown column {name!r} in --columns{hint} (choose from: {', '.join(COLUMN_NAMES)})")
        out.append(name)
    return out


def _table(report: Report, name: str, columns: list[Column], plain: bool) -> Table:
    table = Table(title=f"segkit: by {_text(name)}", caption=_text(caption(report)), title_justify="left",
                  caption_justify="left", box=PLAIN_BOX if plain else box.SIMPLE, pad_edge=False)
    table.add_column(SEGMENT, no_wrap=True)
    for header, _, numeric in columns:
        table.add_column(header, justify="right" if numeric else "left", no_wrap=True)
    rows = display_rows(report, name, wide=True)
    shown = [h for h, _, _ in columns]
    index_of = {h: i for i, (h, _, _) in enumerate(columns_for(report, wide=True))}
    for index, (segment, cells, suppressed) in enumerate(rows):
        last = index == len(rows) - 1
        picked = [cells[index_of[h]] for h in shown]
        table.add_row(_text(segment), *(_text(c) for c in picked), style=None if plain else ("dim" if suppressed else ("bold" if last else None)),
                      end_section=index == len(rows) - 2)
    return table


def _width_of(console: Console, table: Table) -> int:
    """The table's natural width (every cell in full), whatever the console's width."""
    return console.measure(table, options=console.options.update_width(10_000)).maximum


def _greedy(every: list[Column], chosen: set[str], fits: Callable[[list[Column]], bool]) -> list[Column]:
    """The chosen columns, then each other column (in table order) while the table still fits."""
    chosen = set(chosen)
    for header, _, _ in every:
        if header not in chosen and fits([c for c in every if c[0] in chosen | {header}]):
            chosen.add(header)
    return [c for c in every if c[0] in chosen]


def _own_widths(report: Report, name: str, every: list[Column], console: Console) -> dict[str, int]:
    """Each column's natural width, its header and every cell measured once as rich measures them."""
    options = console.options.update_width(10_000)
    rows = display_rows(report, name, wide=True)

    def widest(texts: list[str]) -> int:
        return max(Measurement.get(console, options, text).maximum for text in texts)

    out = {SEGMENT: widest([SEGMENT] + [_text(segment) for segment, _, _ in rows])}
    for index, (header, _, _) in enumerate(every):
        out[header] = widest([header] + [_text(cells[index]) for _, cells, _ in rows])
    return out


def fitting_columns(report: Report, name: str, console: Console, width: int, plain: bool) -> list[Column]:
    """The essential columns, then each other column (in table order) while the table still fits.

    The cells are measured once: a table's natural width is its columns' widths plus, between
    two columns, the two paddings and the divider, plus the two edges (rich: padding (0, 1),
    pad_edge off). The chosen table is then measured whole to confirm it; were rich ever to
    measure otherwise, every trial table is measured, as before (that was ~0.1 s for the samples'
    three tables: one growing table per column).
    """
    every = columns_for(report, wide=True)
    essential = {h for h, _, _ in every if column_name(h) in ESSENTIAL_COLUMNS}
    own = _own_widths(report, name, every, console)

    def predicted(columns: list[Column]) -> int:
        return own[SEGMENT] + sum(own[h] + 3 for h, _, _ in columns) + 2

    shown = _greedy(every, essential, lambda columns: predicted(columns) <= width)
    if _width_of(console, _table(report, name, shown, plain)) == predicted(shown):
        return shown
    return _greedy(every, essential, lambda columns: _width_of(console, _table(report, name, columns, plain)) <= width)


def render_tables(report: Report, console: Console, *, width: int = DEFAULT_WIDTH, plain: bool = True,
                  columns: Sequence[str] = (), wide: bool = False) -> None:
    """Each segmentation's table, its verdicts, and how to see the columns left out."""
    every = columns_for(report, wide=True)
    for name in report.segmentations:
        if wide or columns:
            wanted = set(check_columns(columns))
            shown = every if wide else [c for c in every if column_name(c[0]) in wanted]
        else:
            shown = fitting_columns(report, name, console, width, plain)
        table = _table(report, name, shown, plain)
        console.width = max(width, _width_of(console, table))  # asked-for columns are never cut either
        console.print(table)
        left_out = [column_name(c[0]) for c in every if c not in shown]
        notes = [f"{len(left_out)} more columns: {', '.join(left_out)} (--columns NAME,... or --wide)"] if left_out else []
        changes = segmentation_lines(report.changes, name) if report.changes is not None else []
        for note in notes + quality_lines(report, name) + changes:
            for line in textwrap.wrap(note, width=max(20, width), initial_indent="  ", subsequent_indent="    ",
                                      break_on_hyphens=False):
                console.print(escape_control(line), highlight=False, markup=False, soft_wrap=True)
        console.print()
        console.width = width
    for check in money_lines(report) + check_lines(report):
        for line in textwrap.wrap(check, width=max(20, width), subsequent_indent="  ", break_on_hyphens=False):
            console.print(escape_control(line), highlight=False, markup=False, soft_wrap=True)


def table_console(file: Any, width: int, color: bool) -> Console:
    """A console of exactly ``width`` columns; without colour no escape code at all."""
    if color:
        return Console(file=file, width=width, force_terminal=True, highlight=False)
    return Console(file=file, width=width, color_system=None, force_terminal=False, highlight=False, emoji=False)


def _text(value: object) -> str:
    """Text from the data for the terminal: rich markup and control characters escaped."""
    return escape(escape_control(str(value)))


class TableWriter(Writer):
    format = "table"

    def __init__(self, width: int | None = None, color: bool = False, columns: Sequence[str] = (), wide: bool = False) -> None:
        self.width = width or DEFAULT_WIDTH
        self.color = color
        self.columns = tuple(columns)
        self.wide = wide

    def render(self, report: Report) -> str:
        buffer = io.StringIO()
        console = table_console(buffer, self.width, self.color)
        render_tables(report, console, width=self.width, plain=not self.color, columns=self.columns, wide=self.wide)
        return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())

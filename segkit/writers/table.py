"""The terminal table (rich), the default when stdout is a terminal."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from segkit.errors import escape_control
from segkit.report import Report
from segkit.writers.base import Writer
from segkit.writers.display import caption, columns_for, display_rows, quality_lines


def _text(value: object) -> str:
    """Text from the data for the terminal: rich markup and control characters escaped."""
    return escape(escape_control(str(value)))


def render_tables(report: Report, console: Console) -> None:
    for name in report.segmentations:
        table = Table(title=f"segkit: by {_text(name)}", caption=_text(caption(report)), title_justify="left", caption_justify="left")
        table.add_column("Segment", no_wrap=True)
        for header, _, numeric in columns_for(report):
            table.add_column(header, justify="right" if numeric else "left")
        rows = display_rows(report, name)
        for index, (segment, cells, suppressed) in enumerate(rows):
            last = index == len(rows) - 1
            table.add_row(_text(segment), *(_text(c) for c in cells), style="dim" if suppressed else ("bold" if last else None), end_section=index == len(rows) - 2)
        console.print(table)
        for line in quality_lines(report, name):
            console.print(f"  {escape_control(line)}", highlight=False, markup=False)
    for warning in report.data.get("warnings", []):
        console.print(f"[yellow]warning[/yellow] {_text(warning['code'])}: {_text(warning['message'])}", highlight=False)


class TableWriter(Writer):
    format = "table"

    def __init__(self, width: int | None = None, color: bool = False) -> None:
        self.width = width
        self.color = color

    def render(self, report: Report) -> str:
        buffer = io.StringIO()
        console = Console(file=buffer, width=self.width or 160, force_terminal=self.color, no_color=not self.color, highlight=False)
        render_tables(report, console)
        return buffer.getvalue()

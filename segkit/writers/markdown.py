"""Markdown: the headline findings in sentences, then the tables, for pasting a report into
Slack, an e-mail, a ticket or a wiki; ``summary.md`` in --out."""

from __future__ import annotations

import re

from segkit.errors import escape_control
from segkit.report import Report
from segkit.writers.base import Writer
from segkit.writers.display import caption, check_lines, columns_for, display_rows, money_lines, quality_lines
from segkit.writers.summary import summary_lines


#: characters Markdown (and the HTML it may hold) would read as markup
_MARKUP = re.compile(r"([\\`*_\[\]|])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _cell(text: str) -> str:
    """Text from the data as literal Markdown: markup escaped, HTML as entities, one line."""
    text = escape_control(str(text).replace("\r\n", " ").replace("\n", " ").replace("\r", " "))
    text = "".join(_HTML.get(ch, ch) for ch in text)
    return _MARKUP.sub(r"\\\1", text)


def _text(line: str) -> str:
    """A summary sentence: its own Markdown (headings) kept, the data's HTML shown as text."""
    return "".join(_HTML.get(ch, ch) for ch in escape_control(line))


class MarkdownWriter(Writer):
    format = "markdown"
    filename = "summary.md"

    def render(self, report: Report) -> str:
        headers = ["Segment"] + [h for h, _, _ in columns_for(report, wide=True)]
        # the summary's own headings kept; every sentence holds data (segment names, messages): literal
        out: list[str] = [_text(line) if line.startswith("#") else _cell(line) for line in summary_lines(report)]
        for name in report.segmentations:
            out.append(f"### By {_cell(name)}\n")
            out.append("| " + " | ".join(headers) + " |")
            out.append("|" + "|".join(["---"] + ["---:"] * (len(headers) - 1)) + "|")
            for segment, cells, _ in display_rows(report, name, wide=True):
                out.append("| " + " | ".join(_cell(c) for c in [segment, *cells]) + " |")
            out.append(f"\n_{caption(report)}_\n")
            out.extend(f"- {_cell(line)}" for line in quality_lines(report, name))
            if quality_lines(report, name):
                out.append("")
        out.extend(f"- {_cell(line)}" for line in money_lines(report) + check_lines(report))
        out.extend(f"- warning {_cell(w['code'])}: {_cell(w['message'])}" for w in report.data.get("warnings", []))
        return "\n".join(out)

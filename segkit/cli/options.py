"""Options shared by several commands, each declared once.

An option group is a dataclass whose fields are typer options; a command takes the group as
one parameter (``tables: TableFiles``) and ``@with_option_groups`` spreads its fields into the
command's signature for typer, then gathers them back into the dataclass on the call.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar, get_type_hints

import typer

from segkit.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])

FilesArg = Annotated[Optional[list[Path]], typer.Argument(help="Export files; each file's table is detected from its header.", show_default=False)]
TableOpt = Annotated[Optional[list[Path]], typer.Option(show_default=False)]  # no help: use one of the below
_TABLE_HELP = "A {} file, read as that table without header detection (repeatable)."
AccountsOpt = Annotated[Optional[list[Path]], typer.Option(help=_TABLE_HELP.format("accounts (CRM companies)"), show_default=False)]
SubscriptionsOpt = Annotated[Optional[list[Path]], typer.Option(help=_TABLE_HELP.format("subscriptions (billing)"), show_default=False)]
InvoicesOpt = Annotated[Optional[list[Path]], typer.Option(help=_TABLE_HELP.format("invoices (billing)"), show_default=False)]
DealsOpt = Annotated[Optional[list[Path]], typer.Option(help=_TABLE_HELP.format("deals (CRM opportunities)"), show_default=False)]
EventsOpt = Annotated[Optional[list[Path]], typer.Option(help=_TABLE_HELP.format("events (product usage)"), show_default=False)]
UsersOpt = Annotated[Optional[list[Path]], typer.Option(help=_TABLE_HELP.format("users"), show_default=False)]
SurveysOpt = Annotated[Optional[list[Path]], typer.Option(help=_TABLE_HELP.format("surveys (NPS responses)"), show_default=False)]
TicketsOpt = Annotated[Optional[list[Path]], typer.Option(help=_TABLE_HELP.format("tickets (support: Zendesk, Intercom, HubSpot, Freshdesk)"), show_default=False)]
CancellationsOpt = Annotated[Optional[list[Path]], typer.Option(help=_TABLE_HELP.format("cancellations (churn reasons)"), show_default=False)]
FxRatesOpt = Annotated[Optional[list[Path]], typer.Option("--fx-rates", help="An exchange-rate file (date, currency, rate = reporting-currency units per unit), read as the fx_rates table (repeatable); needs --reporting-currency.", show_default=False)]
ReportingCurrencyOpt = Annotated[Optional[str], typer.Option("--reporting-currency", help="ISO 4217 code every amount is reported in; other currencies are converted with --fx-rates (default: metrics.reporting_currency, else none: amounts must share one currency).")]
ConfigOpt = Annotated[Optional[Path], typer.Option(help="Config file (default: ./segkit.toml if present).")]
TimezoneOpt = Annotated[Optional[str], typer.Option(help="Zone of timestamps that carry none (default UTC).")]
EngineOpt = Annotated[Optional[str], typer.Option("--engine", help="Event-feature engine: duckdb (default, embedded), spark (pip install 'segkit[spark]') or any registered one (segkit plugins).")]
TableOrJsonOpt = Annotated[Optional[str], typer.Option("--format", help="table or json (default: table on a terminal, json when piped).")]
IcpFormatOpt = Annotated[Optional[str], typer.Option("--format", help=(
    "table, json or html (a self-contained page with the lift chart; default: table on a terminal, json when piped)."))]
# Reading overrides (issue #3, docs/inputs.md); each is also a [load] key in segkit.toml.
EncodingOpt = Annotated[Optional[str], typer.Option("--encoding", help="Text encoding of CSV inputs (default: sniffed).")]
DelimiterOpt = Annotated[Optional[str], typer.Option("--delimiter", help="CSV delimiter: , ; tab | (default: sniffed from the header).")]
DecimalOpt = Annotated[Optional[str], typer.Option("--decimal", help="Decimal separator: . or , (default: decided per column).")]
DateFormatOpt = Annotated[Optional[str], typer.Option("--date-format", help="strptime layout of non-ISO dates, e.g. %d/%m/%Y.")]
AmountUnitOpt = Annotated[Optional[str], typer.Option("--amount-unit", help="Billing amounts in major units or minor (cents) (default: the preset's).")]
GroupKeyOpt = Annotated[Optional[str], typer.Option("--group-key", help="Events: the group key holding the account id (Mixpanel property, Amplitude group type).")]


class OptionGroup:
    """Base of the option-group dataclasses (marks a parameter for ``with_option_groups``)."""


@dataclass(frozen=True)
class TableFiles(OptionGroup):
    """``--accounts FILE`` ...: files given for one table each, skipping header detection."""

    accounts: AccountsOpt = None
    subscriptions: SubscriptionsOpt = None
    invoices: InvoicesOpt = None
    deals: DealsOpt = None
    events: EventsOpt = None
    users: UsersOpt = None
    surveys: SurveysOpt = None
    tickets: TicketsOpt = None
    cancellations: CancellationsOpt = None
    fx_rates: FxRatesOpt = None

    def as_dict(self) -> dict[str, list[Path] | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class ReadOverrides(OptionGroup):
    """How to read the files (``--encoding`` ...); each is also a ``[load]`` key."""

    encoding: EncodingOpt = None
    delimiter: DelimiterOpt = None
    decimal: DecimalOpt = None
    date_format: DateFormatOpt = None
    amount_unit: AmountUnitOpt = None
    group_key: GroupKeyOpt = None

    def as_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class DetectOverrides(OptionGroup):
    """The reading overrides that matter for header detection (``segkit init``)."""

    encoding: EncodingOpt = None
    delimiter: DelimiterOpt = None
    group_key: GroupKeyOpt = None

    def as_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


def with_option_groups(func: F) -> F:
    """Spread each ``OptionGroup`` parameter of ``func`` into its fields, for typer."""
    hints = get_type_hints(func, include_extras=True)
    groups: dict[str, type] = {}
    params: list[inspect.Parameter] = []
    for param in inspect.signature(func).parameters.values():
        hint = hints.get(param.name, param.annotation)
        if isinstance(hint, type) and is_dataclass(hint) and issubclass(hint, OptionGroup):
            groups[param.name] = hint
            group_hints = get_type_hints(hint, include_extras=True)
            params.extend(inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default,
                                            annotation=group_hints[f.name]) for f in fields(hint))
        else:
            params.append(param.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=hint))

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        for name, group in groups.items():
            kwargs[name] = group(**{f.name: kwargs.pop(f.name) for f in fields(group)})
        return func(**kwargs)

    wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    del wrapper.__wrapped__  # typer must see the spread signature, not the original
    return wrapper  # type: ignore[return-value]


def parse_period(text: str) -> int:
    """``12``, ``12m``, ``6 months``, ``1y`` -> months."""
    match = re.fullmatch(r"\s*(\d+)\s*(m|mo|month|months|y|yr|year|years)?\s*", text.lower())
    if not match:
        raise UsageError(f"--period takes a number of months such as 12, 6m or 1y; got {text!r}")
    value = int(match.group(1))
    return value * 12 if (match.group(2) or "m").startswith("y") else value


def parse_date(text: str | None, option: str = "--as-of") -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} takes a date as YYYY-MM-DD; got {text!r}") from None


def default_config(path: Path | None) -> Path | None:
    """``--config``, else ./segkit.toml when it exists."""
    from segkit.config import default_config_path

    return path if path is not None else default_config_path()

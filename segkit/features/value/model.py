"""The value features' model fits, typed: what ``add_value_features`` leaves for the metrics and the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from segkit.models.bgnbd import BGNBDResult
    from segkit.models.gammagamma import GammaGammaResult


@dataclass(frozen=True)
class ValueWarning:
    code: str
    message: str


@dataclass
class ValueFits:
    """Whole-base fits of the bgnbd CLV method and the notes of the value features.

    ``bgnbd_ran`` is true when the bgnbd method was asked for (the report then has a
    ``clv_model`` block even when the fit fell back).
    """

    warnings: list[ValueWarning] = field(default_factory=list)
    bgnbd_ran: bool = False
    bgnbd_transactions: str = "invoices"
    bgnbd_fit: BGNBDResult | None = None
    gamma_gamma_fit: GammaGammaResult | None = None
    #: why the BG/NBD CLV falls back to the simple method (None: it did not)
    bgnbd_fallback: str | None = None
    #: transactions without amounts (events): P(alive) and expected transactions only
    bgnbd_no_spend: str | None = None

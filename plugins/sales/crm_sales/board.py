"""The kanban board: one column per stage with count, total and weighted total.

Two queries whatever the number of deals: one aggregate per (stage, currency) and one
for the cards (at most ``CARDS_PER_COLUMN`` per column, picked with a window function).
Both are served by the ``ix_sales_deal_board`` index (company, pipeline, state, stage, position).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from crm_platform.plugins import db, parse_id
from crm_sales.models import CENT, Deal, Pipeline, Stage, utcnow

CARDS_PER_COLUMN = 50
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass
class Filters:
    """Board and list filters: owner (user id) and expected close month (``YYYY-MM``)."""

    owner_id: int | None = None
    month: str | None = None

    @classmethod
    def parse(cls, args: Any) -> Filters:
        """Read the filters from a request's args or form; unknown values are ignored."""
        owner = args.get("owner", "")
        month = args.get("month", "")
        return cls(
            owner_id=parse_id(owner),
            month=month if MONTH.match(month or "") else None,
        )

    def month_range(self) -> tuple[date, date] | None:
        """The first and last day of the month filter."""
        if not self.month:
            return None
        year, month = (int(part) for part in self.month.split("-"))
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])

    def apply(self, stmt: Any) -> Any:
        """Add the filters to a select over :class:`Deal`."""
        if self.owner_id is not None:
            stmt = stmt.where(Deal.owner_id == self.owner_id)
        bounds = self.month_range()
        if bounds:
            stmt = stmt.where(Deal.expected_close_date.between(*bounds))
        return stmt

    def args(self) -> dict[str, Any]:
        """The filters as query-string arguments (empty ones left out)."""
        return {k: v for k, v in (("owner", self.owner_id), ("month", self.month)) if v not in (None, "")}


@dataclass
class Column:
    """One stage of the board with its cards and totals (per currency)."""

    stage: Stage
    deals: list[Deal] = field(default_factory=list)
    count: int = 0
    total: dict[str, Decimal] = field(default_factory=dict)
    weighted: dict[str, Decimal] = field(default_factory=dict)

    @property
    def hidden(self) -> int:
        """Deals in the column beyond the cards shown."""
        return max(0, self.count - len(self.deals))


def board_columns(
    pipeline: Pipeline, filters: Filters, stage_ids: set[int] | None = None, with_cards: bool = True
) -> list[Column]:
    """The columns of ``pipeline`` (or only ``stage_ids``) for the open deals matching ``filters``."""
    stages = [s for s in pipeline.stages if stage_ids is None or s.id in stage_ids]
    columns = {stage.id: Column(stage) for stage in stages}
    if not columns:
        return []
    base = filters.apply(
        select(Deal.id).where(Deal.pipeline_id == pipeline.id, Deal.state == "open", Deal.stage_id.in_(list(columns)))
    )
    totals = filters.apply(
        select(Deal.stage_id, Deal.currency, func.count(Deal.id), func.sum(Deal.value))
        .where(Deal.pipeline_id == pipeline.id, Deal.state == "open", Deal.stage_id.in_(list(columns)))
        .group_by(Deal.stage_id, Deal.currency)
    )
    for stage_id, currency, count, total in db.session.execute(totals):
        column = columns[stage_id]
        amount = Decimal(total or 0).quantize(CENT)
        column.count += count
        column.total[currency] = amount
        column.weighted[currency] = (amount * column.stage.probability / 100).quantize(CENT)
    if not with_cards:
        return [columns[stage.id] for stage in stages]
    ranked = (
        base.add_columns(
            func.row_number().over(partition_by=Deal.stage_id, order_by=(Deal.position, Deal.id)).label("rank")
        )
    ).subquery()
    cards = (
        select(Deal)
        .join(ranked, ranked.c.id == Deal.id)
        .where(ranked.c.rank <= CARDS_PER_COLUMN)
        .order_by(Deal.stage_id, Deal.position, Deal.id)
    )
    for deal in db.session.scalars(cards).unique():
        columns[deal.stage_id].deals.append(deal)
    return [columns[stage.id] for stage in stages]


def board_totals(columns: list[Column]) -> dict[str, Any]:
    """The whole board's count, total and weighted total per currency."""
    out: dict[str, Any] = {"count": 0, "total": {}, "weighted": {}}
    for column in columns:
        out["count"] += column.count
        for key in ("total", "weighted"):
            for currency, amount in getattr(column, key).items():
                out[key][currency] = out[key].get(currency, Decimal("0.00")) + amount
    return out


def month_choices(months_back: int = 3, months_ahead: int = 12) -> list[tuple[str, str]]:
    """``(YYYY-MM, "Month YYYY")`` around today, for the close-month filter."""
    today = utcnow().date()
    out = []
    for offset in range(-months_back, months_ahead + 1):
        year, month = divmod(today.year * 12 + today.month - 1 + offset, 12)
        out.append((f"{year:04d}-{month + 1:02d}", f"{calendar.month_name[month + 1]} {year}"))
    return out

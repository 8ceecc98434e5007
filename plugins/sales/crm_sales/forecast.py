"""The forecast: weighted open pipeline by month of expected close, and won against target.

Everything is aggregated in SQL (``GROUP BY`` month, owner and pipeline) so the page costs
three small queries whatever the number of deals. Figures are in one currency at a time
(amounts in different currencies are never added); targets are in the company currency.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from crm_platform.plugins import db, parse_id
from crm_sales.models import CENT, Deal, SalesTarget, Stage, utcnow

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MAX_MONTHS = 24
ZERO = Decimal("0.00")


def month_key(day: date) -> str:
    """``YYYY-MM`` of a date."""
    return f"{day.year:04d}-{day.month:02d}"


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, 1)


def parse_month(text: str | None) -> date | None:
    """The first day of ``YYYY-MM``, or None when it is not one (or outside 2000-2100)."""
    match = MONTH.match(text or "")
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_label(key: str) -> str:
    """``2026-03`` → ``Mar 2026``."""
    year, month = key.split("-")
    return f"{calendar.month_abbr[int(month)]} {year}"


@dataclass
class ForecastFilters:
    """Pipeline, owner, first and last month, currency."""

    first: date
    last: date
    currency: str
    pipeline_id: int | None = None
    owner_id: int | None = None

    @classmethod
    def parse(cls, args: Any, currency: str) -> ForecastFilters:
        """Read the filters from the query string; bad values fall back to the defaults (2 months back, 6 months)."""
        today = utcnow().date()
        first = parse_month(args.get("from")) or add_months(today, -2)  # two months back: won against target
        last = parse_month(args.get("to")) or add_months(first, 5)
        if last < first:
            first, last = last, first
        if (last.year * 12 + last.month) - (first.year * 12 + first.month) >= MAX_MONTHS:
            last = add_months(first, MAX_MONTHS - 1)
        pipeline, owner = args.get("pipeline", ""), args.get("owner", "")
        wanted = (args.get("currency") or "").upper()
        return cls(
            first=first, last=last, currency=wanted if re.fullmatch(r"[A-Z]{3}", wanted) else currency,
            pipeline_id=parse_id(pipeline),
            owner_id=parse_id(owner),
        )

    def months(self) -> list[str]:
        """Every ``YYYY-MM`` from the first to the last month."""
        out, day = [], self.first
        while day <= self.last:
            out.append(month_key(day))
            day = add_months(day, 1)
        return out

    def end(self) -> date:
        """The last day of the last month."""
        return self.last.replace(day=calendar.monthrange(self.last.year, self.last.month)[1])

    def args(self) -> dict[str, Any]:
        """The filters as query-string arguments."""
        out: dict[str, Any] = {"from": month_key(self.first), "to": month_key(self.last), "currency": self.currency}
        if self.pipeline_id is not None:
            out["pipeline"] = self.pipeline_id
        if self.owner_id is not None:
            out["owner"] = self.owner_id
        return out


def _month_of(column: Any) -> Any:
    """SQL for ``YYYY-MM`` of a date or timestamp column, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


@dataclass
class Forecast:
    """The figures of the forecast page (all in ``filters.currency``)."""

    filters: ForecastFilters
    by_month: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    by_owner: dict[int | None, dict[str, Decimal]] = field(default_factory=dict)
    by_pipeline: dict[int, dict[str, Decimal]] = field(default_factory=dict)
    totals: dict[str, Decimal] = field(default_factory=dict)


def _row() -> dict[str, Decimal]:
    return {"weighted": ZERO, "open": ZERO, "count": Decimal(0), "won": ZERO, "target": ZERO}


def _filtered(stmt: Any, filters: ForecastFilters) -> Any:
    stmt = stmt.where(Deal.currency == filters.currency)
    if filters.pipeline_id is not None:
        stmt = stmt.where(Deal.pipeline_id == filters.pipeline_id)
    if filters.owner_id is not None:
        stmt = stmt.where(Deal.owner_id == filters.owner_id)
    return stmt


def open_rows(filters: ForecastFilters) -> list[Any]:
    """``(month, owner, pipeline, count, total, weighted)`` of open deals closing in the range (one query)."""
    month = _month_of(Deal.expected_close_date).label("month")
    stmt = _filtered(
        select(
            month, Deal.owner_id, Deal.pipeline_id, func.count(Deal.id), func.sum(Deal.value),
            func.sum(Deal.value * Stage.probability),  # ÷ 100 in Python: SQLite divides integers
        )
        .join(Stage, Stage.id == Deal.stage_id)
        .where(Deal.state == "open", Deal.expected_close_date.between(filters.first, filters.end()))
        .group_by(month, Deal.owner_id, Deal.pipeline_id),
        filters,
    )
    return list(db.session.execute(stmt))


def won_rows(filters: ForecastFilters) -> list[Any]:
    """``(month, owner, pipeline, total)`` of deals won in the range, by month of closing (one query)."""
    month = _month_of(Deal.closed_at).label("month")
    start = datetime(filters.first.year, filters.first.month, 1, tzinfo=UTC)
    end = datetime.combine(add_months(filters.last, 1), datetime.min.time(), tzinfo=UTC)
    stmt = _filtered(
        select(month, Deal.owner_id, Deal.pipeline_id, func.sum(Deal.value))
        .where(Deal.state == "won", Deal.closed_at >= start, Deal.closed_at < end)
        .group_by(month, Deal.owner_id, Deal.pipeline_id),
        filters,
    )
    return list(db.session.execute(stmt))


def target_rows(filters: ForecastFilters) -> list[Any]:
    """``(month, user, amount)`` of the targets in the range (the owner filter applies)."""
    stmt = select(SalesTarget.month, SalesTarget.user_id, SalesTarget.amount).where(
        SalesTarget.month.between(filters.first, filters.last)
    )
    if filters.owner_id is not None:
        stmt = stmt.where(SalesTarget.user_id == filters.owner_id)
    return list(db.session.execute(stmt))


def build(filters: ForecastFilters, company_currency: str) -> Forecast:
    """The forecast for ``filters``: per month, per owner, per pipeline, and totals.

    Targets count only when the figures are in the company currency and no pipeline is
    chosen (a target is per user, not per pipeline).
    """
    out = Forecast(filters, by_month={key: _row() for key in filters.months()})
    out.totals = _row()

    def add(month: str | None, owner: int | None, pipeline: int | None, key: str, amount: Any) -> None:
        value = Decimal(amount or 0)
        buckets = [out.totals, out.by_owner.setdefault(owner, _row())]
        if month in out.by_month:
            buckets.append(out.by_month[month])
        if pipeline is not None:
            buckets.append(out.by_pipeline.setdefault(pipeline, _row()))
        for bucket in buckets:
            bucket[key] += value

    for month, owner, pipeline, count, total, weighted in open_rows(filters):
        add(month, owner, pipeline, "count", count)
        add(month, owner, pipeline, "open", total)
        add(month, owner, pipeline, "weighted", Decimal(weighted or 0) / 100)
    for month, owner, pipeline, total in won_rows(filters):
        add(month, owner, pipeline, "won", total)
    if filters.currency == company_currency and filters.pipeline_id is None:
        for month, user_id, amount in target_rows(filters):
            add(month_key(month), user_id, None, "target", amount)
    for bucket in [out.totals, *out.by_month.values(), *out.by_owner.values(), *out.by_pipeline.values()]:
        for key in ("weighted", "open", "won", "target"):
            bucket[key] = bucket[key].quantize(CENT)
    return out


def attainment(row: dict[str, Decimal]) -> int | None:
    """Won as a whole percentage of target (None without a target)."""
    if not row["target"]:
        return None
    return int((row["won"] * 100 / row["target"]).to_integral_value())


def currencies_in_use() -> list[str]:
    """The currencies the company's deals use (for the currency filter)."""
    return list(db.session.scalars(select(Deal.currency).group_by(Deal.currency).order_by(Deal.currency)))

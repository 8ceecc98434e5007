"""Sales targets per user per month: the grid form's parsing and saving."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from crm_platform.plugins import db
from crm_sales.models import SalesTarget
from crm_sales.services import MAX_VALUE

MAX_TARGET_CELLS = 50 * 12


def year_months(year: int) -> list[date]:
    """The first day of every month of ``year``."""
    return [date(year, month, 1) for month in range(1, 13)]


def cell_name(user_id: int, month: date) -> str:
    """The grid input's name for a user and month: ``t-7-2026-03``."""
    return f"t-{user_id}-{month:%Y-%m}"


def stored(year: int) -> dict[tuple[int, date], Decimal]:
    """``{(user id, month): amount}`` of the year's targets."""
    stmt = select(SalesTarget.user_id, SalesTarget.month, SalesTarget.amount).where(
        SalesTarget.month.between(date(year, 1, 1), date(year, 12, 1))
    )
    return {(user_id, month): Decimal(amount) for user_id, month, amount in db.session.execute(stmt)}


def parse_grid(form: Any, year: int, user_ids: list[int]) -> tuple[dict[tuple[int, date], Decimal | None], dict[str, str]]:
    """Read every cell of the grid: ``({(user, month): amount or None}, {cell name: error})``.

    An empty cell means no target. Amounts are whole or with cents, from 0 to the money maximum.
    """
    values: dict[tuple[int, date], Decimal | None] = {}
    errors: dict[str, str] = {}
    for user_id in user_ids:
        for month in year_months(year):
            name = cell_name(user_id, month)
            raw = (form.get(name) or "").strip().replace(",", "")
            if not raw:
                values[(user_id, month)] = None
                continue
            try:
                amount = Decimal(raw)
            except InvalidOperation:
                errors[name] = "Enter an amount such as 25000."
                continue
            if not amount.is_finite() or amount < 0 or amount > MAX_VALUE:
                errors[name] = "Enter an amount from 0 to 9,999,999,999."
                continue
            values[(user_id, month)] = amount.quantize(Decimal("0.01"))
    return values, errors


def save_grid(values: dict[tuple[int, date], Decimal | None]) -> int:
    """Write the grid: set, change or remove each target. Returns how many targets changed."""
    years = {month.year for _, month in values}
    existing = {
        (row.user_id, row.month): row
        for row in db.session.scalars(
            select(SalesTarget).where(SalesTarget.month.between(date(min(years), 1, 1), date(max(years), 12, 1)))
        )
    } if years else {}
    changed = 0
    for key, amount in values.items():
        row = existing.get(key)
        if amount is None:
            if row is not None:
                db.session.delete(row)
                changed += 1
        elif row is None:
            db.session.add(SalesTarget(user_id=key[0], month=key[1], amount=amount))
            changed += 1
        elif Decimal(row.amount) != amount:
            row.amount = amount
            changed += 1
    return changed

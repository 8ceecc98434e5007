"""The ``sales`` blueprint and the helpers every sales template receives."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Blueprint, abort, request
from markupsafe import Markup

from crm_platform.plugins import render, is_digits
from crm_sales.currencies import SYMBOLS

bp = Blueprint(
    "sales", __name__, url_prefix="/sales", template_folder="templates", static_folder="static",
    static_url_path="/static",
)


def money(amount: Decimal | int | None, currency: str, cents: bool = False) -> str:
    """``€12,500`` / ``CHF 1,200.50``: cents only when asked or when there are some."""
    value = Decimal(amount or 0)
    whole = value == value.to_integral_value()
    text = f"{value:,.0f}" if whole and not cents else f"{value:,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{currency} {text}"


def money_list(amounts: dict[str, Decimal], default: str) -> Markup:
    """Totals per currency in whole units, the company currency first (``€0`` when there is nothing)."""
    if not amounts:
        return Markup("{}").format(money(0, default))
    order = sorted(amounts, key=lambda c: (c != default, c))
    return Markup(" · ").join(
        Markup('<span class="nowrap">{}</span>').format(money(Decimal(amounts[c]).quantize(Decimal(1), ROUND_HALF_UP), c))
        for c in order
    )


def plain(number: Decimal) -> str:
    """A quantity or percentage without trailing zeros: ``3``, ``2.5``, ``12.75``."""
    text = format(Decimal(number).normalize(), "f")
    return text


def helpers() -> dict[str, Any]:
    """What the sales templates use besides their own context."""
    from crm_sales.models import ROLE_LABELS

    return {"money": money, "money_list": money_list, "plain": plain, "role_labels": ROLE_LABELS}


def page(template: str, block: str | None = None, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render a sales template (or one block of it for htmx) with the sales helpers."""
    return render(template, block=block, status=status, **helpers(), **context)


def form_int(name: str, required: bool = False) -> int | None:
    """An integer from the posted form; 422 when it is not one (or missing but required)."""
    raw = (request.form.get(name) or "").strip()
    if not raw:
        if required:
            abort(422, f"{name.replace('_', ' ').capitalize()} is missing.")
        return None
    if not is_digits(raw.removeprefix("-")):
        abort(422, f"{name.replace('_', ' ').capitalize()} must be a whole number.")
    return int(raw)

"""Reading ids and other whole numbers from request text without surprises."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

MAX_DIGITS = 18  # fits a 64-bit integer column on SQLite and PostgreSQL


def is_digits(text: object, max_digits: int = MAX_DIGITS) -> bool:
    """True when ``text`` is 1 to ``max_digits`` ASCII digits, so ``int(text)`` works and fits a column.

    ``str.isdigit()`` alone also accepts ``"²"`` or ``"٣"``, which ``int()`` refuses
    (a 500), and a 30-digit number overflows SQLite's integers.
    """
    return isinstance(text, str) and 0 < len(text) <= max_digits and text.isascii() and text.isdigit()


def parse_id(text: object) -> int | None:
    """The number ``text`` spells (see :func:`is_digits`), else None."""
    return int(text) if is_digits(text) else None  # type: ignore[arg-type]


class IdConverter(IntegerConverter):
    """``<int:...>`` in URLs: at most :data:`MAX_DIGITS` digits, so a 30-digit id is a 404, not an overflow (500)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", 10**MAX_DIGITS - 1)
        super().__init__(map, *args, **kwargs)

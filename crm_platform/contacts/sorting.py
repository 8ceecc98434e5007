"""Sorted lists: ``?sort=name`` or ``?sort=-updated`` picks one of a list's keyset sorts.

The people and organizations lists share this. Each sort is a tuple of
:class:`~crm_platform.contacts.pagination.SortKey` ending with the id (so the order is
total and keyset pages never skip or repeat a row); ``-`` asks for descending order. An
unknown sort is never an error: the default sort is used and a notice says so. Column
headers link to the other direction of their sort (:meth:`SortedListing.sort_links`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import sqlalchemy as sa

from crm_platform.contacts.pagination import Page, SortKey, ordered, sorted_page

MAX_SORT_SHOWN = 40


@dataclass(frozen=True)
class SortLink:
    """Where a sortable column header points, and how the column is sorted now (``aria-sort``)."""

    url: str
    state: str | None = None  # "ascending", "descending", or None when the list is sorted by another column


@dataclass
class SortedListing:
    """A filtered, unordered statement and the chosen sort; subclasses set ``SORTS`` and ``DEFAULT_SORT``."""

    SORTS: ClassVar[dict[str, tuple[SortKey, ...]]] = {}
    DEFAULT_SORT: ClassVar[str] = "name"

    statement: sa.Select
    sort: str = ""
    descending: bool = False
    notices: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.sort not in self.SORTS:
            self.sort = self.DEFAULT_SORT

    @property
    def keys(self) -> tuple[SortKey, ...]:
        """The sort key columns (ending with the id, so the order is total)."""
        return self.SORTS[self.sort]

    @property
    def sort_param(self) -> str:
        """The ``sort`` parameter value (``-updated``), ``""`` for the default sort."""
        if self.sort == self.DEFAULT_SORT and not self.descending:
            return ""
        return ("-" if self.descending else "") + self.sort

    def apply_sort(self, raw: str) -> None:
        """Use the sort named by ``raw`` (``name``, ``-created``); anything else keeps the default, with a notice."""
        raw = (raw or "").strip()
        if not raw:
            return
        name = raw.removeprefix("-")
        if name in self.SORTS:
            self.sort, self.descending = name, raw.startswith("-")
        else:
            shown = raw[:MAX_SORT_SHOWN] + ("…" if len(raw) > MAX_SORT_SHOWN else "")
            self.notices.append(f"The list cannot be sorted by {shown!r}; it is sorted by {self.DEFAULT_SORT}.")

    def ordered(self) -> sa.Select:
        """The statement with its ORDER BY (for exports and other full walks)."""
        return ordered(self.statement, self.keys, self.descending)

    def page(self, cursor: str | None, limit: int, stmt: sa.Select | None = None) -> Page[Any]:
        """One keyset page after ``cursor`` (of ``stmt`` when given: the statement with loader options)."""
        return sorted_page(self.statement if stmt is None else stmt, self.keys, cursor, limit, self.descending)

    def sort_links(self, url_for_sort: Callable[[str], str]) -> dict[str, SortLink]:
        """For every sort, the header link: the other direction when it is the current sort, else ascending.

        ``url_for_sort(value)`` builds the list URL for a ``sort`` value (``""``: the default).
        """
        links = {}
        for name in self.SORTS:
            if name == self.sort:
                state = "descending" if self.descending else "ascending"
                value = name if self.descending else f"-{name}"
            else:
                state, value = None, name
            links[name] = SortLink(url_for_sort("" if value == self.DEFAULT_SORT else value), state)
        return links

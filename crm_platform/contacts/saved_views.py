"""Saved views: a user's named filters and sort for a list (private to that user)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import Mapped, mapped_column

from crm_platform import company_cache
from crm_platform.extensions import db
from crm_platform.models_base import utcnow
from crm_platform.tenancy import CompanyOwned

MAX_NAME = 80
MAX_QUERY = 2000
# Parameters a view never stores: the page position and one-off helpers.
TRANSIENT = frozenset({"cursor", "view", "csrf_token", "organization_search"})


class SavedViewError(ValueError):
    """A view name that cannot be used; the message is for the user."""


class SavedView(CompanyOwned, db.Model):
    """A named query string of a list (``entity`` is ``person``), owned by one user in one company."""

    __tablename__ = "saved_view"
    __table_args__ = (sa.UniqueConstraint("user_id", "company_id", "entity", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    entity: Mapped[str] = mapped_column(sa.String(20), default="person", nullable=False)
    name: Mapped[str] = mapped_column(sa.String(MAX_NAME), nullable=False)
    query: Mapped[str] = mapped_column(sa.String(MAX_QUERY), default="", nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)


def clean_query(pairs: list[tuple[str, str]]) -> str:
    """The query string a view stores: non-empty parameters without the page position."""
    kept = [(key, value) for key, value in pairs if key not in TRANSIENT and value.strip()]
    return urlencode(kept)[:MAX_QUERY]


def query_pairs(view: SavedView) -> list[tuple[str, str]]:
    """The stored query string of ``view`` as ``(key, value)`` pairs."""
    return parse_qsl(view.query, keep_blank_values=False)


def views_for(entity: str = "person") -> list[SavedView]:
    """The current user's views of ``entity`` in the current company, by name."""
    stmt = (sa.select(SavedView).where(SavedView.user_id == current_user.id, SavedView.entity == entity)
            .order_by(sa.func.lower(SavedView.name), SavedView.id))
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class ListedView:
    """A saved view as the list's Views menu shows it."""

    id: int
    name: str
    query: str


def listed_views(entity: str = "person") -> list[ListedView]:
    """:func:`views_for` as plain records, kept by the process until a saved view changes."""
    user_id = current_user.id

    def load() -> tuple[ListedView, ...]:
        stmt = (sa.select(SavedView.id, SavedView.name, SavedView.query)
                .where(SavedView.user_id == user_id, SavedView.entity == entity)
                .order_by(sa.func.lower(SavedView.name), SavedView.id))
        return tuple(ListedView(*row) for row in db.session.execute(stmt))

    return list(company_cache.cached("saved_views", (user_id, entity), load))


def get_view(view_id: int) -> SavedView:
    """The current user's view ``view_id`` (another user's or company's view is a 404)."""
    return db.first_or_404(sa.select(SavedView).where(SavedView.id == view_id, SavedView.user_id == current_user.id))


def _clean_name(name: str, entity: str, exclude_id: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise SavedViewError("Give the view a name.")
    if len(name) > MAX_NAME:
        raise SavedViewError(f"A view name has at most {MAX_NAME} characters.")
    taken = [v for v in views_for(entity) if v.name.lower() == name.lower() and v.id != exclude_id]
    if taken:
        raise SavedViewError(f"You already have a view named {name}.")
    return name


def save_view(name: str, pairs: list[tuple[str, str]], entity: str = "person") -> SavedView:
    """Save the filters and sort ``pairs`` as a new view of the current user."""
    view = SavedView(user_id=current_user.id, entity=entity, name=_clean_name(name, entity), query=clean_query(pairs))
    db.session.add(view)
    db.session.flush()
    return view


def rename_view(view: SavedView, name: str) -> None:
    """Give ``view`` a new name (unique among the user's views)."""
    view.name = _clean_name(name, view.entity, exclude_id=view.id)


def delete_view(view: SavedView) -> None:
    """Forget ``view``."""
    db.session.delete(view)

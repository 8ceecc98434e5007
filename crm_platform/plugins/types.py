"""Small frozen records that hooks return and the core validates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NavItem:
    """An entry in the sidebar.

    ``endpoint`` is a Flask endpoint name; ``permission`` hides the entry from users
    without it (the view must still check). ``order`` sorts ascending.
    """

    label: str
    endpoint: str
    icon: str = "dot"
    permission: str | None = None
    order: int = 100
    section: str = "main"


@dataclass(frozen=True)
class Permission:
    """A named permission and the roles that hold it by default."""

    name: str
    description: str
    roles: tuple[str, ...] = ("owner", "admin")


@dataclass(frozen=True)
class DashboardWidget:
    """A dashboard card. ``render`` returns HTML (Markup) for the current company and user."""

    name: str
    title: str
    render: Callable[[], Any]
    order: int = 100
    permission: str | None = None


@dataclass(frozen=True)
class Job:
    """A background job offered by a plugin; ``schedule`` is a ``huey.crontab`` or None."""

    name: str
    func: Callable[..., Any]
    schedule: Any = None
    retries: int = 3
    retry_delay: int = 30
    extra: dict[str, Any] = field(default_factory=dict)

"""Roles, named permissions and the decorators views use to require them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, g

from crm_platform.plugins.types import Permission

F = TypeVar("F", bound=Callable[..., Any])

CORE_PERMISSIONS: tuple[Permission, ...] = (
    Permission("records.view", "See people, organizations and the timeline", ("owner", "admin", "member", "readonly")),
    Permission("records.edit", "Create, change and delete records", ("owner", "admin", "member")),
    Permission("users.manage", "Invite users, change roles, remove members", ("owner", "admin")),
    Permission("company.manage", "Change company settings, theme and plugins", ("owner", "admin")),
    Permission("audit.view", "Read the security audit log", ("owner", "admin")),
)


def build_permission_table(permissions: Iterable[Permission]) -> dict[str, frozenset[str]]:
    """Map each role to the permission names it holds; duplicate names are an error."""
    table: dict[str, set[str]] = {}
    seen: set[str] = set()
    for perm in permissions:
        if not isinstance(perm, Permission):
            raise TypeError(f"expected Permission, got {perm!r}")
        if perm.name in seen:
            raise ValueError(f"permission {perm.name!r} is declared twice")
        seen.add(perm.name)
        for role in perm.roles:
            table.setdefault(role, set()).add(perm.name)
    return {role: frozenset(names) for role, names in table.items()}


def role_permissions(role: str | None) -> frozenset[str]:
    """Return the permission names a role holds in this application."""
    if not role:
        return frozenset()
    return current_app.extensions["crm"].permissions.get(role, frozenset())


def has_permission(name: str) -> bool:
    """True if the current user holds ``name`` in the current company."""
    return name in role_permissions(getattr(g, "role", None))


def require_permission(name: str) -> Callable[[F], F]:
    """Decorator: 403 unless the current user holds ``name`` in the current company."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if getattr(g, "company", None) is None:
                abort(404)
            if not has_permission(name):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def allow_readonly(view: F) -> F:
    """Mark a state-changing view that read-only users may still call (own account, sign-out)."""
    view.crm_allow_readonly = True  # type: ignore[attr-defined]
    return view


def can_assign_role(actor_role: str | None, target_role: str, new_role: str | None = None) -> bool:
    """Only owners grant or take away the owner role; admins manage admins and below."""
    if actor_role == "owner":
        return True
    if actor_role != "admin":
        return False
    return target_role != "owner" and new_role != "owner"

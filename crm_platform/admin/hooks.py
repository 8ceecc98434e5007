"""Hook implementations of the instance administration module."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from crm_platform.plugins import NavItem, hookimpl


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """The operator's pages."""
    from crm_platform.admin.views import bp

    return [bp]


@hookimpl
def crm_nav_items(user: Any, company: Any) -> list[NavItem]:
    """"Instance" in the sidebar, only for instance operators."""
    if not getattr(user, "is_operator", False):
        return []
    return [NavItem("Instance", "operator.companies", icon="settings", order=90, section="settings")]

"""Hook implementations of the custom fields module: the Settings → Custom fields page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from crm_platform.plugins import NavItem, hookimpl


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """The custom fields settings page (and its form templates)."""
    from crm_platform.customfields.views import bp

    return [bp]


@hookimpl
def crm_nav_items(user: Any, company: Any) -> list[NavItem]:
    """Custom fields in the settings section, for owners and admins."""
    if company is None:
        return []
    return [NavItem("Custom fields", "customfields.settings", icon="list", permission="company.manage", order=25,
                    section="settings")]

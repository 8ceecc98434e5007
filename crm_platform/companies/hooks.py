"""Hook implementations of the companies module: the team and company settings pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from crm_platform.plugins import NavItem, hookimpl


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """The team and company settings pages, and the public invitation page."""
    from crm_platform.companies.views import bp, invite_bp

    return [bp, invite_bp]


@hookimpl
def crm_nav_items(user: Any, company: Any) -> list[NavItem]:
    """Team and company settings in the settings section (only with a company)."""
    if company is None:
        return []
    return [
        NavItem("Team", "companies.members", icon="users", permission="users.manage", order=10, section="settings"),
        NavItem("Company", "companies.settings", icon="building", permission="company.manage", order=20, section="settings"),
    ]

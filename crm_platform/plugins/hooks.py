"""The core's plugin administration, registered through the same hooks as any plugin."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from crm_platform.plugins import NavItem, hookimpl


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """The company admin's plugin page."""
    from crm_platform.plugins.views import bp

    return [bp]


@hookimpl
def crm_nav_items(user: Any, company: Any) -> list[NavItem]:
    """'Plugins' under settings, for company admins."""
    if company is None:
        return []
    return [NavItem("Plugins", "plugins.index", icon="settings", permission="company.manage", order=80, section="settings")]


@hookimpl
def crm_register_cli_commands() -> list[Any]:
    """``crm plugins ...``."""
    from crm_platform.plugins.cli import plugins_group

    return [plugins_group]

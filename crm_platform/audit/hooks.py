"""Hook implementations of the audit module: the audit log page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from crm_platform.plugins import NavItem, hookimpl


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """The audit log page."""
    from crm_platform.audit.views import bp

    return [bp]


@hookimpl
def crm_nav_items(user: Any, company: Any) -> list[NavItem]:
    """The audit log, for those who may read it."""
    if company is None:
        return []
    return [NavItem("Audit log", "audit.log", icon="shield", permission="audit.view", order=30, section="settings")]

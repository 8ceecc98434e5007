"""Hook implementations of the instance administration module."""

from __future__ import annotations

from flask import Blueprint

from crm_platform.plugins import hookimpl


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """The operator's pages."""
    from crm_platform.admin.views import bp

    return [bp]

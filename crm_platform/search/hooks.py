"""Global search, registered through the same hooks as any plugin."""

from __future__ import annotations

from flask import Blueprint

from crm_platform.plugins import hookimpl


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """The /search page."""
    from crm_platform.search.views import bp

    return [bp]

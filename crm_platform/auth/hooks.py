"""Hook implementations of the sign-in and account module."""

from __future__ import annotations

from flask import Blueprint

from crm_platform.plugins import hookimpl


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """Sign-in, password reset and the account page."""
    from crm_platform.auth.account import bp as account_bp
    from crm_platform.auth.views import bp

    return [bp, account_bp]

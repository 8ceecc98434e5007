"""Themes and branding, registered through the same hooks as any plugin."""

from __future__ import annotations

from typing import Any

import click
from flask import Blueprint, current_app
from flask.cli import with_appcontext

from crm_platform.plugins import NavItem, hookimpl


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """Theme files, the branding stylesheet and logo, Settings → Branding, the operator's list."""
    from crm_platform.themes.views import bp

    return [bp]


@hookimpl
def crm_nav_items(user: Any, company: Any) -> list[NavItem]:
    """Branding in the settings section; Themes for the instance operator."""
    items = []
    if company is not None:
        items.append(NavItem("Branding", "themes.branding", icon="tag", permission="company.manage", order=25, section="settings"))
    if getattr(user, "is_operator", False):
        items.append(NavItem("Themes", "themes.operator_themes", icon="list", order=91, section="settings"))
    return items


@click.group("themes")
def themes_group() -> None:
    """Installed themes."""


@themes_group.command("list")
@with_appcontext
def list_themes() -> None:
    """Show every theme found: name, version, parent, origin and problems."""
    registry = current_app.extensions["crm_themes"]
    themes = registry.all()
    if not themes:
        click.echo("No themes installed.")
        return
    default = current_app.config.get("CRM_DEFAULT_THEME")
    for theme in themes:
        mark = " (instance default)" if theme.name == default and theme.usable else ""
        click.echo(f"{theme.name} {theme.version or '-'}  parent: {theme.parent or '-'}  origin: {theme.origin}{mark}")
        if theme.description:
            click.echo(f"    {theme.description}")
        for problem in theme.problems:
            click.echo(f"    PROBLEM: {problem}")


@hookimpl
def crm_register_cli_commands() -> list[Any]:
    """``crm themes list``."""
    return [themes_group]

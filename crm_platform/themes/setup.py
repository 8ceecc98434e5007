"""Wiring themes into the application: discovery at start, the theme of each request, layout values."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, request, url_for

from crm_platform.config import PROJECT_ROOT
from crm_platform.themes import service
from crm_platform.themes.registry import ThemeRegistry, discover

log = logging.getLogger(__name__)

THEME_STYLESHEET = "theme.css"


def select_theme() -> None:
    """Choose this request's theme: the company's choice, else the instance default."""
    g.crm_theme = None
    if request.endpoint in ("static", "themes.static_file"):
        return
    try:
        theme = service.theme_for(service.branding_facts())
    except Exception:  # a database error must still leave an error page to render
        log.exception("could not read the company's branding")
        g.crm_branding_broken = True  # the layout of the error page must not ask again
        theme = service.registry().get(current_app.config.get("CRM_DEFAULT_THEME") or "default")
    g.crm_theme = theme.name if theme is not None else None


def stylesheets(registry: ThemeRegistry, name: str | None) -> list[str]:
    """The theme chain's stylesheets, root first, so a child theme's rules come last."""
    urls = []
    for theme in reversed(registry.chain(name)):
        if (theme.static_dir / THEME_STYLESHEET).is_file():
            urls.append(url_for("themes.static_file", name=theme.name, filename=THEME_STYLESHEET, v=theme.version or "0"))
    return urls


def _layout_values() -> dict[str, Any]:
    registry: ThemeRegistry = current_app.extensions["crm_themes"]
    name = g.get("crm_theme")
    company = g.get("company")
    branding = service.branding_facts() if company is not None and not g.get("crm_branding_broken") else None
    values: dict[str, Any] = {
        "theme_name": name or "none",
        "theme_stylesheets": stylesheets(registry, name),
        "branding_css_url": None,
        "brand_name": company.name if company is not None else "CRM",
        "brand_logo_url": None,
    }
    if branding is not None:
        if branding.accent:
            values["branding_css_url"] = url_for("themes.branding_css", c=company.id, v=branding.version)
        if branding.display_name:
            values["brand_name"] = branding.display_name
        if branding.logo_filename:
            values["brand_logo_url"] = url_for("themes.logo", filename=branding.logo_filename)
    return values


def init_app(app: Flask) -> None:
    """Discover themes (problems are logged, never fatal) and choose one per request."""
    folder = Path(app.config.get("CRM_THEMES_PATH") or PROJECT_ROOT / "themes")
    app.extensions["crm_themes"] = discover(folder)
    app.before_request(select_theme)
    app.context_processor(_layout_values)

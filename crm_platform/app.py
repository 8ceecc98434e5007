"""The application factory: a short list of ``configure_*`` steps."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pluggy
from flask import Flask

from crm_platform import database  # noqa: F401  (installs the SQLite connection tuning)
from crm_platform.config import PROJECT_ROOT, load_settings
from crm_platform.extensions import csrf, db, htmx, limiter, login_manager, migrate
from crm_platform.plugins.manager import PluginRecord, load_plugins
from crm_platform.plugins.types import Permission
from crm_platform.permissions import CORE_PERMISSIONS, build_permission_table
from crm_platform.themes.loader import ThemedEnvironment
from crm_platform.numbers import IdConverter

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


@dataclass
class CrmState:
    """Application-wide plugin state kept in ``app.extensions["crm"]``."""

    pm: pluggy.PluginManager
    plugins: list[PluginRecord]
    permissions: dict[str, frozenset[str]] = field(default_factory=dict)
    permission_list: list[Permission] = field(default_factory=list)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the CRM application. ``overrides`` replaces settings (tests use it)."""
    settings = load_settings(overrides)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], instance_relative_config=True)
    app.url_map.converters["int"] = IdConverter  # before any route: ids that fit a column
    app.jinja_environment = ThemedEnvironment  # template cache keyed by (theme, name)
    app.config.update(settings)
    configure_logging(app)
    configure_extensions(app)
    configure_plugins(app)
    configure_api(app)
    configure_request_context(app)
    configure_themes(app)
    configure_templates(app)
    configure_errors(app)
    configure_security_headers(app)
    return app


def configure_logging(app: Flask) -> None:
    """Log to stderr at INFO unless the host already configured logging."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def configure_extensions(app: Flask) -> None:
    """Initialise the database, migrations, login, CSRF, htmx and rate limiting."""
    from crm_platform import models  # noqa: F401  (registers every model and the tenancy listeners)
    from crm_platform.auth import sessions  # noqa: F401  (registers the user loader)
    from crm_platform.database import engine_options

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    )
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    migrate.configure(_add_plugin_migration_branches)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are server-side rows; see auth/sessions.py
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)


def _add_plugin_migration_branches(config: Any) -> Any:
    """Alembic: the core's versions folder plus each plugin's branch folder."""
    from flask import current_app

    locations = [str(MIGRATIONS_DIR / "versions")]
    for batch in current_app.extensions["crm"].pm.hook.crm_migration_locations():
        locations.extend(str(path) for path in (batch or []))
    config.set_main_option("path_separator", "space")
    config.set_main_option("version_locations", " ".join(locations))
    return config


def configure_plugins(app: Flask) -> None:
    """Load core modules and plugins, collect permissions, register blueprints and commands."""
    from crm_platform.plugins.runtime import blueprint_gate, plugin_of_blueprints

    pm, records = load_plugins(app.config.get("CRM_PLUGINS"), app.config.get("CRM_SAFE_MODE", False))
    permission_list = list(CORE_PERMISSIONS)
    for batch in pm.hook.crm_register_permissions():
        permission_list.extend(batch or [])
    state = CrmState(pm=pm, plugins=records, permission_list=permission_list)
    state.permissions = build_permission_table(permission_list)
    app.extensions["crm"] = state
    core = {r.name for r in records if r.core}
    for plugin, blueprint in plugin_of_blueprints(pm):
        if plugin not in core:
            if blueprint.name != plugin and not blueprint.name.startswith(plugin + "_"):
                raise ValueError(f"plugin {plugin!r} registers blueprint {blueprint.name!r}: name it after the plugin")
            app.before_request_funcs.setdefault(blueprint.name, []).append(blueprint_gate(plugin))
        app.register_blueprint(blueprint)
    for batch in pm.hook.crm_register_cli_commands():
        for command in batch or []:
            app.cli.add_command(command)
    from crm_platform.jobs import register_plugin_jobs

    register_plugin_jobs(pm)


def configure_api(app: Flask) -> None:
    """The REST API under /api/v1: the core's and plugins' resources (``crm_api_resources``)."""
    from crm_platform.api import setup

    setup.init_app(app)


def configure_request_context(app: Flask) -> None:
    """Per request: the current company, role and query scoping."""
    from crm_platform import context

    context.init_app(app)


def configure_themes(app: Flask) -> None:
    """Discover themes; per request, the company's theme and branding (after the company is known)."""
    from crm_platform.themes import setup

    setup.init_app(app)


def configure_templates(app: Flask) -> None:
    """Template globals: layout slots, navigation, permissions, htmx helpers."""
    from crm_platform import templating

    templating.init_app(app)


def configure_errors(app: Flask) -> None:
    """Friendly error pages, and small fragments for htmx requests."""
    from crm_platform import errors

    errors.init_app(app)


def configure_security_headers(app: Flask) -> None:
    """Headers on every response: no sniffing, no framing, a strict CSP, Vary on HX-Request."""

    @app.after_request
    def add_headers(response):  # type: ignore[no-untyped-def]
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        headers.add("Vary", "HX-Request")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

"""Activation per company at run time, and calling hooks with the right isolation.

Plugins are imported once at start; whether a company uses one is a database row
checked per request. Hook calls made for a company go only to the core and to the
plugins that company has enabled (pluggy's ``subset_hook_caller``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import abort, current_app, g, request
from markupsafe import Markup
from sqlalchemy import select

from crm_platform import company_cache, tenancy
from crm_platform.extensions import db
from crm_platform.plugins.manager import PluginRecord
from crm_platform.plugins.models import PluginState
from crm_platform.request_cache import forget, per_request

log = logging.getLogger(__name__)


def records() -> list[PluginRecord]:
    """Every plugin the application knows about (core modules included)."""
    return current_app.extensions["crm"].plugins


def optional_plugins() -> list[PluginRecord]:
    """Installed (non-core) plugins, loaded or refused."""
    return [r for r in records() if not r.core]


def find(name: str) -> PluginRecord | None:
    """The record of the installed plugin ``name``."""
    return next((r for r in optional_plugins() if r.name == name), None)


def enabled_names(company_id: int | None = None) -> frozenset[str]:
    """Names of the loaded plugins enabled for a company (kept per request, and per process for the current one)."""
    company_id = company_id if company_id is not None else tenancy.current_company_id()
    if company_id is None:
        return frozenset()

    def load() -> frozenset[str]:
        with tenancy.company_scope(company_id):
            rows = dict(db.session.execute(select(PluginState.plugin, PluginState.enabled)).all())
        return frozenset(r.name for r in optional_plugins() if r.loaded and rows.get(r.name, r.default_enabled))

    if company_id == tenancy.current_company_id():  # kept by the process until a plugin state changes
        return per_request("enabled_plugins", company_id, lambda: company_cache.cached("enabled_plugins", None, load))
    return per_request("enabled_plugins", company_id, load)


def is_enabled(name: str, company_id: int | None = None) -> bool:
    """True when plugin ``name`` is loaded and enabled for the (current) company."""
    return name in enabled_names(company_id)


def hook(name: str, company_id: int | None = None) -> Any:
    """The hook caller for ``name``, limited to the core and the company's enabled plugins."""
    pm = current_app.extensions["crm"].pm
    disabled = [r.module for r in optional_plugins() if r.loaded and not is_enabled(r.name, company_id)]
    if not disabled:
        return getattr(pm.hook, name)
    return pm.subset_hook_caller(name, remove_plugins=disabled)


def error_box(plugin: str) -> Markup:
    """The small box shown where a plugin's panel or widget failed."""
    return Markup('<div class="plugin-error" role="alert">The plugin <b>{}</b> failed to show this part. The error was logged.</div>').format(plugin)


def call_ui(name: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call a UI hook implementation by implementation; one that raises is logged and skipped.

    Returns ``[(plugin name, result)]`` for implementations that returned something,
    and ``[(plugin name, error box Markup)]`` for those that failed.
    """
    caller = hook(name)
    results: list[tuple[str, Any]] = []
    for impl in reversed(caller.get_hookimpls()):
        try:
            result = impl.function(*[kwargs[arg] for arg in impl.argnames])
        except Exception:
            log.exception("hook %s of plugin %s failed", name, impl.plugin_name)
            results.append((impl.plugin_name, error_box(_short(impl.plugin_name))))
            continue
        if result is not None:
            results.append((impl.plugin_name, result))
    return results


def collect_ui(name: str, **kwargs: Any) -> list[Any]:
    """Flatten the lists UI hooks return (dropping failed implementations, which are logged)."""
    items: list[Any] = []
    for _plugin, result in call_ui(name, **kwargs):
        if isinstance(result, Markup):
            continue
        items.extend(result or [])
    return items


def _short(plugin_name: str) -> str:
    return plugin_name.removeprefix("crm_platform.").removesuffix(".hooks")


def call_data(name: str, **kwargs: Any) -> list[Any]:
    """Call a data hook for the current company's plugins. Errors propagate (the caller rolls back)."""
    return hook(name)(**kwargs)


def set_enabled(company: Any, name: str, enabled: bool, actor_id: int | None = None) -> None:
    """Enable or disable plugin ``name`` for ``company`` and fire the matching event. Commits."""
    from crm_platform.models_base import utcnow

    record = find(name)
    if record is None or not record.loaded:
        abort(404)
    with tenancy.company_scope(company.id):
        if not enabled and is_enabled(name, company.id):
            hook("crm_plugin_disabled", company.id)(company=company, plugin=name)
        state = db.session.scalars(select(PluginState).where(PluginState.plugin == name)).first()
        if state is None:
            state = PluginState(plugin=name, enabled=enabled)
            db.session.add(state)
        state.enabled = enabled
        state.changed_at = utcnow()
        state.changed_by_id = actor_id
        db.session.flush()
        forget("enabled_plugins")
        if enabled:
            hook("crm_plugin_enabled", company.id)(company=company, plugin=name)
        db.session.commit()


def purge(company: Any, name: str) -> None:
    """Delete a disabled plugin's data for ``company`` (``crm_purge_company_data``). Commits or raises."""
    record = find(name)
    if record is None or not record.loaded:
        abort(404)
    if is_enabled(name, company.id):
        raise ValueError("Disable the plugin before purging its data.")
    pm = current_app.extensions["crm"].pm
    others = [p for p in pm.get_plugins() if p is not record.module]
    with tenancy.company_scope(company.id):
        try:
            pm.subset_hook_caller("crm_purge_company_data", remove_plugins=others)(company=company)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise


def blueprint_gate(plugin: str) -> Any:
    """A ``before_request`` function: 404 unless the current company enabled ``plugin``."""

    def gate() -> None:
        from flask_login import current_user

        if not current_user.is_authenticated:
            return  # the view's login_required sends the visitor to sign in
        if getattr(current_app.view_functions.get(request.endpoint or ""), "crm_public", False):
            return  # a public view checks the company it names itself (plugins/public.py)
        if g.get("company") is None or not is_enabled(plugin, g.company.id):
            abort(404)

    return gate


def plugin_of_blueprints(pm: Any) -> Iterable[tuple[str, Any]]:
    """Yield ``(plugin name, blueprint)`` for every blueprint a plugin registers."""
    for impl in pm.hook.crm_register_blueprints.get_hookimpls():
        for blueprint in impl.function() or []:
            yield impl.plugin_name, blueprint

"""The company admin's plugin page: enable, disable, configure and purge plugins."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, request, url_for
from flask_login import current_user, login_required

from crm_platform.audit.service import record as audit
from crm_platform.errors import htmx_redirect
from crm_platform.extensions import db
from crm_platform.permissions import require_permission
from crm_platform.plugins import runtime, settings
from crm_platform.templating import render

bp = Blueprint("plugins", __name__, url_prefix="/settings/plugins", template_folder="templates")


def _loaded_or_404(name: str) -> runtime.PluginRecord:
    record = runtime.find(name)
    if record is None or not record.loaded:
        abort(404)
    return record


@bp.get("/")
@login_required
@require_permission("company.manage")
def index() -> tuple[str, int]:
    """Every installed plugin with its metadata, state for this company and any load error."""
    enabled = runtime.enabled_names()
    plugins = sorted(runtime.optional_plugins(), key=lambda r: r.name)
    has_settings = {r.name for r in plugins if r.loaded and settings.fields_of(r.name)}
    return render("plugins/index.html", plugins=plugins, enabled=enabled, has_settings=has_settings)


def _switch(name: str, enabled: bool) -> Response:
    _loaded_or_404(name)
    runtime.set_enabled(g.company, name, enabled, current_user.id)
    audit("plugin_enabled" if enabled else "plugin_disabled", name)
    db.session.commit()
    message = f"{name} is enabled." if enabled else f"{name} is disabled. Its data is kept until you purge it."
    flash(message, "success")
    return htmx_redirect(url_for("plugins.index"))


@bp.post("/<name>/enable")
@login_required
@require_permission("company.manage")
def enable(name: str) -> Response:
    """Switch a plugin on for the current company (no restart)."""
    return _switch(name, True)


@bp.post("/<name>/disable")
@login_required
@require_permission("company.manage")
def disable(name: str) -> Response:
    """Switch a plugin off for the current company; its data is kept."""
    return _switch(name, False)


@bp.post("/<name>/purge")
@login_required
@require_permission("company.manage")
def purge(name: str) -> Response | tuple[str, int]:
    """Delete a disabled plugin's data for this company, after typing its name to confirm."""
    _loaded_or_404(name)
    if request.form.get("confirm", "").strip() != name:
        flash(f"Type {name} to confirm the purge.", "error")
        return htmx_redirect(url_for("plugins.index"))
    if runtime.is_enabled(name):
        flash("Disable the plugin before purging its data.", "error")
        return htmx_redirect(url_for("plugins.index"))
    runtime.purge(g.company, name)
    audit("plugin_purged", name)
    db.session.commit()
    flash(f"The data of {name} was deleted for this company.", "success")
    return htmx_redirect(url_for("plugins.index"))


@bp.route("/<name>/settings", methods=["GET", "POST"])
@login_required
@require_permission("company.manage")
def plugin_settings(name: str) -> Response | tuple[str, int]:
    """The generated settings form of an enabled plugin."""
    record = _loaded_or_404(name)
    if not runtime.is_enabled(name) or not settings.fields_of(name):
        abort(404)
    form = settings.settings_form(name, request.form if request.method == "POST" else None)
    if request.method == "POST":
        if form.validate():
            settings.save_settings(name, form)
            flash("Settings saved.", "success")
            return htmx_redirect(url_for("plugins.plugin_settings", name=name))
        return render("plugins/settings.html", form=form, plugin=record, status=422)
    return render("plugins/settings.html", form=form, plugin=record)

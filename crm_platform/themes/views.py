"""Theme static files, the per-company branding stylesheet and logo, the Branding settings page,
and the operator's list of themes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, g, make_response, request, send_file, send_from_directory, url_for
from flask_login import current_user, login_required

from crm_platform.admin.views import operator_required
from crm_platform.errors import htmx_redirect
from crm_platform.extensions import db
from crm_platform.permissions import require_permission
from crm_platform.templating import render
from crm_platform.themes import service
from crm_platform.themes.colours import normalise

bp = Blueprint("themes", __name__, template_folder="templates")

YEAR = 365 * 24 * 3600


def _css(body: str, cache: str) -> Response:
    response = make_response(body)
    response.headers["Content-Type"] = "text/css; charset=utf-8"
    response.headers["Cache-Control"] = cache
    return response


@bp.get("/themes/<name>/static/<path:filename>")
def static_file(name: str, filename: str) -> Response:
    """A file of an installed, usable theme (``send_from_directory`` refuses paths outside it)."""
    theme = service.registry().get(name)
    if theme is None or not theme.static_dir.is_dir():
        abort(404)
    response = send_from_directory(theme.static_dir, filename, max_age=3600 if "v" not in request.args else YEAR)
    return response


@bp.get("/branding.css")
@login_required
def branding_css() -> Response:
    """The current company's accent colours as CSS variables; the URL carries company and version."""
    if g.company is None or request.args.get("c") != str(g.company.id):
        abort(404)
    branding = service.current_branding()
    version = str(branding.version) if branding is not None else "0"
    body = service.branding_css(branding.accent if branding else None, service.theme_for(branding))
    cache = f"private, max-age={YEAR}, immutable" if request.args.get("v") == version else "private, no-cache"
    response = _css(body, cache)
    response.set_etag(f"{g.company.id}-{version}")
    return response.make_conditional(request)


@bp.get("/branding/preview.css")
@login_required
@require_permission("company.manage")
def preview_css() -> Response:
    """Variables for the live preview of unsaved values; anything invalid falls back to the theme's."""
    reg = service.registry()
    theme = reg.get(request.args.get("theme")) or service.theme_for(None)
    if theme is None:
        abort(404)
    return _css(service.preview_css(theme, normalise(request.args.get("accent"))), "private, max-age=300")


@bp.get("/branding/logo/<filename>")
@login_required
def logo(filename: str) -> Response:
    """The current company's logo, only to its members (another company's name is a 404)."""
    branding = service.current_branding()
    if branding is None or not branding.logo_filename or branding.logo_filename != filename:
        abort(404)
    path = service.logo_path(branding)
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=branding.logo_content_type, max_age=YEAR, conditional=True)
    response.headers["Content-Type"] = branding.logo_content_type or "application/octet-stream"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.cache_control.public = False
    response.cache_control.private = True
    return response


# --- Settings → Branding -----------------------------------------------------------------------


def _values(source: Any = None) -> dict[str, Any]:
    """The form's values: the submitted ones, else the saved ones."""
    branding = service.current_branding()
    if source is not None:
        return {k: source.get(k, "") for k in ("theme", "accent", "display_name", "email_footer")}
    theme = service.theme_for(branding)
    return {
        "theme": theme.name if theme else "",
        "accent": (branding.accent if branding else None) or "",
        "display_name": (branding.display_name if branding else None) or "",
        "email_footer": (branding.email_footer if branding else None) or "",
    }


def _preview(values: dict[str, Any]) -> dict[str, Any]:
    """What the preview shows for ``values``, with the problems it would have on saving."""
    errors: dict[str, str] = {}
    reg = service.registry()
    theme = reg.get(values.get("theme")) or service.theme_for(None)
    if not reg.get(values.get("theme")):
        errors["theme"] = "Choose one of the installed themes."
    accent = None
    if theme is not None:
        try:
            accent = service.check_accent(values.get("accent"), theme)
        except service.BrandingError as exc:
            errors[exc.field] = str(exc)
    name = " ".join(str(values.get("display_name") or "").split())[: service.DISPLAY_NAME_MAX] or g.company.name
    css_args = {"theme": theme.name if theme else ""}
    if accent:
        css_args["accent"] = accent
    return {
        "theme": theme,
        "name": name,
        "css_url": url_for("themes.preview_css", **css_args),
        "errors": errors,
    }


def _page(values: dict[str, Any], errors: dict[str, str] | None = None, status: int = 200, block: str | None = None) -> Any:
    branding = service.current_branding()
    return render(
        "themes/branding.html",
        block=block,
        status=status,
        values=values,
        errors=errors or {},
        themes=service.registry().usable(),
        branding=branding,
        preview=_preview(values),
        max_footer=service.FOOTER_MAX,
    )


@bp.get("/settings/branding")
@login_required
@require_permission("company.manage")
def branding() -> Any:
    """Theme, accent colour, display name, email footer and logo, with a live preview."""
    return _page(_values())


@bp.post("/settings/branding/preview")
@login_required
@require_permission("company.manage")
def preview() -> Any:
    """The preview for unsaved values (htmx: the preview block; otherwise the whole page)."""
    return _page(_values(request.form), block="preview")


@bp.post("/settings/branding")
@login_required
@require_permission("company.manage")
def save() -> Any:
    """Check everything first, then store it; 422 with the reasons otherwise."""
    from crm_platform.audit.service import record

    values = _values(request.form)
    errors: dict[str, str] = {}
    logo = None
    upload = request.files.get("logo")
    try:
        if upload is not None and upload.filename:
            data = upload.stream.read(service.MAX_LOGO_BYTES + 1)
            logo = service.check_logo(data, upload.filename, upload.mimetype or "")
        service.save_branding(values, logo, request.form.get("remove_logo") == "1", current_user.id)
    except service.BrandingError as exc:
        db.session.rollback()
        errors[exc.field] = str(exc)
        return _page(values, errors, status=422)
    record("branding_changed", f"theme {values.get('theme') or 'default'}")
    db.session.commit()
    flash("Branding saved.", "success")
    return htmx_redirect(url_for("themes.branding"))


# --- The operator's view of installed themes ---------------------------------------------------


@bp.get("/operator/themes")
@operator_required
def operator_themes() -> Any:
    """Every theme found, where it came from, and why a refused one was refused."""
    return render("themes/operator_themes.html", themes=service.registry().all(),
                  default_theme=current_app.config.get("CRM_DEFAULT_THEME"))

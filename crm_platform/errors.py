"""Friendly error pages; htmx requests get a small fragment or an ``HX-Redirect``."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, make_response, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Bad request", "The request could not be understood."),
    401: ("Not authenticated", "Send valid credentials."),
    403: ("Not allowed", "Your role in this company does not allow this."),
    404: ("Not found", "This page does not exist, or it belongs to another company."),
    405: ("Not allowed", "This action cannot be done that way."),
    412: ("Changed meanwhile", "This resource changed since you read it."),
    413: ("Too large", "The upload is larger than this installation accepts."),
    409: ("Changed meanwhile", "Someone else changed this record while you were editing. Reload it and apply your change again."),
    422: ("Check your input", "Some of what you entered could not be accepted."),
    428: ("Precondition required", "Send If-Match with the version you read."),
    429: ("Slow down", "Too many attempts. Wait a minute and try again."),
    500: ("Something went wrong", "The error was logged. Please try again in a moment."),
}


def wants_json() -> bool:
    """True for API calls and clients that prefer JSON over HTML."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes["text/html"]


def error_response(status: int, message: str | None = None) -> Response:
    """Render the error page (or fragment / JSON) for ``status``."""
    title, default = MESSAGES.get(status, (f"Error {status}", "The request failed."))
    text = message or default
    if wants_json():
        return make_response(jsonify(error={"status": status, "title": title, "message": text}), status)
    if request.headers.get("HX-Request") == "true":
        html = render_template("errors/fragment.html", status=status, title=title, message=text)
        response = make_response(html, status)
        response.headers["HX-Retarget"] = "#toasts"
        response.headers["HX-Reswap"] = "beforeend"
        return response
    return make_response(render_template("errors/page.html", status=status, title=title, message=text), status)


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Response:
        return error_response(400, "Your form expired or was not sent from this site. Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if exc.code is None or exc.code < 400:
            return exc  # type: ignore[return-value]
        message = exc.description if exc.code in (400, 413, 422) and exc.description != type(exc).description else None
        return error_response(exc.code, message)

    @app.errorhandler(StaleDataError)
    def edit_conflict(exc: StaleDataError) -> Response:
        from crm_platform.extensions import db

        db.session.rollback()
        return error_response(409)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            return http_error(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        from crm_platform.extensions import db

        db.session.rollback()
        return error_response(InternalServerError.code)


def htmx_redirect(location: str) -> Response:
    """A redirect that works for htmx (HX-Redirect on 200) and plain requests (303)."""
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 200)
        response.headers["HX-Redirect"] = location
        return response
    from flask import redirect

    return redirect(location, code=303)


def login_redirect_url() -> str:
    """The sign-in URL, remembering the local path to come back to."""
    from crm_platform.security import is_safe_local_path

    target: str | None = request.full_path.rstrip("?")
    if request.method != "GET" or request.headers.get("HX-Request") == "true" or not is_safe_local_path(target):
        target = None
    return url_for("auth.login", next=target) if target else url_for("auth.login")

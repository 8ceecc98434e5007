"""The public web form: ``POST /f/<company slug>/lead`` from any site, and the page to embed it.

No sign-in and no CSRF token (it is a cross-site form); instead a honeypot field and a rate
limit per IP address (``CRM_SALES_LEAD_FORM_RATE_LIMIT``, default ``5 per minute``). An unknown
slug, or a company that has not enabled the sales plugin, answers 404.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request, url_for
from flask_login import login_required

from crm_platform.plugins import (
    company_by_slug,
    company_scope,
    current_company,
    db,
    get_setting,
    is_enabled,
    public_view,
    rate_limit,
    render,
    require_permission,
)
from crm_sales.blueprint import bp
from crm_sales.leads.fields import clean_lead
from crm_sales.leads.services import create_lead

public_bp = Blueprint("sales_public", __name__, url_prefix="/f")
HONEYPOT = "website"
FIELDS = ("name", "email", "phone", "organization_name", "source", "message")


def form_limit() -> str:
    """Submissions allowed per IP address (config or environment ``CRM_SALES_LEAD_FORM_RATE_LIMIT``)."""
    return current_app.config.get("CRM_SALES_LEAD_FORM_RATE_LIMIT") or os.environ.get("CRM_SALES_LEAD_FORM_RATE_LIMIT") or "5 per minute"


def redirect_problem(url: Any) -> str | None:
    """Why ``url`` cannot be the page visitors go to after the form, or None (http or https, absolute)."""
    text = str(url or "")
    if re.search(r"[\s\x00-\x1f\x7f\\]", text) or len(text) > 500:
        return "Enter a web address without spaces, such as https://example.com/thanks."
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.username or parts.password:
        return "Enter a full http:// or https:// address, such as https://example.com/thanks."
    return None


def form_url(company: Any) -> str:
    """The absolute address the form posts to, built from ``CRM_BASE_URL`` (never the request's host)."""
    return current_app.config["CRM_BASE_URL"] + url_for("sales_public.submit", company_slug=company.slug)


def _company(slug: str) -> Any:
    company = company_by_slug(slug)
    if company is None or not is_enabled("sales", company.id):
        abort(404)
    return company


def _wants_json() -> bool:
    if request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes["text/html"]


def _submitted() -> dict[str, Any]:
    if request.is_json:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}
    data: dict[str, Any] = {name: request.form.get(name, "") for name in FIELDS}
    data["organization_name"] = request.form.get("organization_name") or request.form.get("organization", "")
    data[HONEYPOT] = request.form.get(HONEYPOT, "")
    return data


def _thanks(company: Any, redirect_to: str | None) -> Response | tuple[str, int]:
    if _wants_json():
        return jsonify(ok=True), 201
    if redirect_to and redirect_problem(redirect_to) is None:
        return redirect(redirect_to, code=303)
    return render("sales/leads/public_thanks.html", company=company)


@public_bp.get("/<company_slug>/lead")
@public_view
def form(company_slug: str) -> tuple[str, int]:
    """The same form hosted here, for companies without a website of their own."""
    company = _company(company_slug)
    return render("sales/leads/public_form.html", company=company, action=form_url(company), values={}, errors={})


@public_bp.post("/<company_slug>/lead")
@public_view
@rate_limit(form_limit, methods=["POST"])
def submit(company_slug: str) -> Response | tuple[str, int] | tuple[Response, int]:
    """Store a lead sent from the company's web form: 303/200 thanks, 422 with the problems, 404, 429."""
    company = _company(company_slug)
    data = _submitted()
    with company_scope(company.id):
        redirect_to = get_setting("sales", "lead_form_redirect")
        if str(data.get(HONEYPOT) or "").strip():
            return _thanks(company, redirect_to)  # a bot filled the hidden field: say thanks, keep nothing
        data.setdefault("source", "")
        data["source"] = data.get("source") or "web form"
        values, errors = clean_lead({k: data.get(k) for k in FIELDS})
        if errors:
            if _wants_json():
                return jsonify(errors=errors), 422
            return render("sales/leads/public_form.html", company=company, action=form_url(company),
                          values=values, errors=errors, status=422)
        create_lead(values)
        db.session.commit()
        return _thanks(company, redirect_to)


@bp.get("/leads/web-form")
@login_required
@require_permission("sales.view")
def lead_web_form() -> tuple[str, int]:
    """The HTML snippet to paste into the company's website, and where visitors go afterwards."""
    company = current_company()
    return render(
        "sales/leads/embed.html", company=company, action=form_url(company),
        redirect_to=get_setting("sales", "lead_form_redirect") or "", limit=form_limit(),
    )

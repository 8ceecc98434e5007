"""Instance administration (operators only): companies, their first owner, deactivation."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, flash, url_for
from flask_login import current_user
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.admin.forms import CompanyCreateForm
from crm_platform.companies import service
from crm_platform.companies.models import Company
from crm_platform.errors import htmx_redirect
from crm_platform.extensions import db
from crm_platform.templating import render

bp = Blueprint("operator", __name__, url_prefix="/operator", template_folder="templates")


def operator_required(view: Any) -> Any:
    """404 for everybody but the instance operator, signed out or not (the area is not revealed).

    The view runs unscoped: the operator's pages cross companies on purpose.
    """

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated or not current_user.is_operator:
            abort(404)
        with tenancy.unscoped():
            return view(*args, **kwargs)

    return wrapped


def _companies_page(form: CompanyCreateForm | None = None, status: int = 200) -> tuple[str, int]:
    rows = db.session.scalars(select(Company).order_by(Company.name, Company.id)).all()
    return render(
        "operator/companies.html",
        companies=rows,
        counts=service.member_counts(),
        form=form or CompanyCreateForm(),
        status=status,
    )


def _company_or_404(company_id: int) -> Company:
    return db.first_or_404(select(Company).where(Company.id == company_id))


@bp.get("/companies")
@operator_required
def companies() -> tuple[str, int]:
    """All companies of this installation with their member counts."""
    return _companies_page()


@bp.post("/companies")
@operator_required
def create_company() -> Response | tuple[str, int]:
    """Create a company; with an owner email, invite that person as its first owner."""
    form = CompanyCreateForm()
    if not form.validate_on_submit():
        return _companies_page(form, status=422)
    try:
        company = service.create_company(form.name.data)
    except service.CompanyError as exc:
        db.session.rollback()
        form.name.errors.append(str(exc))
        return _companies_page(form, status=422)
    message = f"Company {company.name} created."
    if form.owner_email.data:
        with tenancy.company_scope(company.id):
            invitation, token = service.create_invitation(company, form.owner_email.data, "owner", current_user, None)
            service.send_invitation_mail(invitation, token, company, current_user)
        message += f" An invitation to become its owner was sent to {invitation.email}."
    flash(message, "success")
    return htmx_redirect(url_for("operator.companies"))


@bp.post("/companies/<int:company_id>/deactivate")
@operator_required
def deactivate_company(company_id: int) -> Response:
    """Switch a company off: its members lose access; nothing is deleted."""
    company = _company_or_404(company_id)
    service.set_company_active(company, False)
    flash(f"{company.name} is deactivated. Its members can no longer open it.", "success")
    return htmx_redirect(url_for("operator.companies"))


@bp.post("/companies/<int:company_id>/reactivate")
@operator_required
def reactivate_company(company_id: int) -> Response:
    """Switch a deactivated company back on."""
    company = _company_or_404(company_id)
    service.set_company_active(company, True)
    flash(f"{company.name} is active again.", "success")
    return htmx_redirect(url_for("operator.companies"))

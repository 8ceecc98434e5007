"""Instance administration (operators only): companies."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, abort
from flask_login import current_user, login_required
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.companies.models import Company
from crm_platform.extensions import db
from crm_platform.templating import render

bp = Blueprint("operator", __name__, url_prefix="/operator", template_folder="templates")


def operator_required(view: Any) -> Any:
    """404 for everybody but the instance operator (the area's existence is not revealed)."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_operator:
            abort(404)
        with tenancy.unscoped():
            return view(*args, **kwargs)

    return wrapped


@bp.get("/companies")
@operator_required
def companies() -> tuple[str, int]:
    """All companies of this installation."""
    rows = db.session.scalars(select(Company).order_by(Company.name)).all()
    return render("operator/companies.html", companies=rows)

"""Personal-data export and erasure of a person (owners and admins)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, request, url_for
from flask_login import login_required
from sqlalchemy import select

from crm_platform.contacts.models import Person
from crm_platform.errors import htmx_redirect
from crm_platform.extensions import db
from crm_platform.permissions import require_permission
from crm_platform.privacy import service
from crm_platform.templating import render

bp = Blueprint("privacy", __name__, template_folder="templates")


def _person(person_id: int) -> Person:
    return db.first_or_404(select(Person).where(Person.id == person_id))


@bp.get("/people/<int:person_id>/personal-data.json")
@login_required
@require_permission("personal_data.manage")
def export(person_id: int) -> Response:
    """Download everything held about a person as JSON (core and plugins)."""
    person = _person(person_id)
    data = service.export_person(person)
    from crm_platform.audit.service import record

    record("personal_data_exported", f"person #{person.id}")
    db.session.commit()
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="person-{person.id}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/people/<int:person_id>/erase", methods=["GET", "POST"])
@login_required
@require_permission("personal_data.manage")
def erase(person_id: int) -> Response | tuple[str, int]:
    """Confirm (GET), then erase (POST) a person and what every plugin holds about them."""
    person = _person(person_id)
    if request.method == "GET":
        return render("privacy/erase.html", person=person)
    if request.form.get("confirm", "").strip().lower() != "erase":
        return render("privacy/erase.html", person=person, error="Type ERASE to confirm.", status=422)
    try:
        service.erase_person(person)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    flash("The person and their personal data were erased.", "success")
    return htmx_redirect(url_for("contacts.people"))

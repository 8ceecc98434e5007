"""The duplicates finder and the side-by-side merge of two people."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_login import current_user, login_required

from crm_platform.contacts.services import get_person, people_page
from crm_platform.customfields.service import display_value, fields_for, values_for
from crm_platform.duplicates.finder import dismiss, duplicates_of, find_duplicates
from crm_platform.errors import htmx_redirect
from crm_platform.extensions import db
from crm_platform.permissions import require_permission
from crm_platform.privacy.service import MERGE_FIELDS, merge_people
from crm_platform.templating import render
from crm_platform.numbers import is_digits

bp = Blueprint("duplicates", __name__, template_folder="templates")

FIELD_LABELS: dict[str, str] = {
    "first_name": "First name", "last_name": "Last name", "lifecycle_stage": "Stage", "owner_id": "Owner",
    "source": "Source", "website": "Website", "street": "Street", "postal_code": "Postal code", "city": "City",
    "region": "Region", "country": "Country",
}


def _other_id() -> int:
    raw = request.values.get("other", "")
    if not is_digits(raw):
        abort(404)
    return int(raw)


def _field_value(person: Any, name: str) -> str:
    if name == "owner_id":
        return person.owner.display_name if person.owner else ""
    return str(getattr(person, name) or "")


def comparison_rows(left: Any, right: Any) -> list[dict[str, Any]]:
    """One row per field that can differ: label, both values, and the side chosen by default."""
    rows = []
    for name in MERGE_FIELDS:
        a, b = _field_value(left, name), _field_value(right, name)
        rows.append({"name": name, "label": FIELD_LABELS[name], "left": a, "right": b, "same": a == b,
                     "default": "left" if a or not b else "right"})
    social_a = ", ".join(f"{k}: {v}" for k, v in sorted((left.social or {}).items()))
    social_b = ", ".join(f"{k}: {v}" for k, v in sorted((right.social or {}).items()))
    rows.append({"name": "social", "label": "Social profiles", "left": social_a, "right": social_b,
                 "same": social_a == social_b, "default": "left" if social_a or not social_b else "right"})
    fields = fields_for("person")
    values = values_for(fields, [left.id, right.id])
    for field in fields:
        a = display_value(field, values.get(left.id, {}).get(field.key))
        b = display_value(field, values.get(right.id, {}).get(field.key))
        rows.append({"name": f"cf_{field.key}", "label": field.label, "left": a, "right": b, "same": a == b,
                     "default": "left" if a or not b else "right"})
    return rows


@bp.get("/people/duplicates")
@login_required
@require_permission("records.view")
def index() -> Any:
    """Likely duplicates of the company, with the reason for each pair."""
    return render("duplicates/index.html", pairs=find_duplicates())


@bp.post("/people/<int:person_id>/not-duplicate")
@login_required
@require_permission("records.edit")
def not_duplicate(person_id: int) -> Response:
    """Hide a pair from the finder: the two are different people."""
    person, other = get_person(person_id), get_person(_other_id())
    dismiss(person, other, current_user.id)
    db.session.commit()
    flash(f"{person.full_name} and {other.full_name} are no longer suggested as duplicates.", "success")
    return htmx_redirect(url_for("duplicates.index"))


@bp.get("/people/<int:person_id>/merge")
@login_required
@require_permission("records.edit")
def compare(person_id: int) -> Any:
    """Pick the other person (suggestions and a search), then compare the two side by side."""
    person = get_person(person_id)
    if not request.args.get("other"):
        q = request.args.get("q", "").strip()[:200]
        found = [p for p in people_page(q=q, limit=20).items if p.id != person.id] if q else []
        return render("duplicates/pick.html", person=person, suggestions=duplicates_of(person), found=found, q=q)
    other = get_person(_other_id())
    if other.id == person.id:
        abort(404)
    return render("duplicates/compare.html", left=person, right=other, rows=comparison_rows(person, other))


@bp.post("/people/<int:person_id>/merge")
@login_required
@require_permission("records.edit")
def merge(person_id: int) -> Any:
    """Merge the two people: the chosen record survives with the chosen value of each field."""
    left, right = get_person(person_id), get_person(_other_id())
    if left.id == right.id:
        abort(404)
    if (request.form.get("left_version"), request.form.get("right_version")) != (str(left.version), str(right.version)):
        return render("duplicates/compare.html", left=left, right=right, rows=comparison_rows(left, right),
                      error="One of these people was changed meanwhile. Check the values again.", status=409)
    keep = request.form.get("keep", "left")
    if keep not in ("left", "right"):
        return render("duplicates/compare.html", left=left, right=right, rows=comparison_rows(left, right),
                      error="Choose which record to keep.", status=422)
    survivor, merged = (left, right) if keep == "left" else (right, left)
    merged_side = "right" if keep == "left" else "left"
    choices = {row["name"]: ("merged" if request.form.get(f"pick_{row['name']}") == merged_side else "survivor")
               for row in comparison_rows(left, right)}
    name = merged.full_name
    try:
        merge_people(survivor, merged, choices)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    flash(f"{name} was merged into {survivor.full_name}.", "success")
    return htmx_redirect(url_for("contacts.person", person_id=survivor.id))

"""Settings → Custom fields: add, edit, reorder, delete; permissions; audit; fields apply at once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from crm_platform import tenancy
from crm_platform.audit.models import AuditEvent
from crm_platform.customfields.models import CustomField, CustomFieldValue
from crm_platform.customfields.service import create_field, fields_for, set_values
from crm_platform.testing import make_user

PAGE = "/settings/custom-fields"


def post(client: Any, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post_form(path, data or {}, token_from=PAGE)


def fields(company: Any, entity: str = "person") -> list[CustomField]:
    from crm_platform.extensions import db

    with tenancy.company_scope(company.id):
        db.session.expire_all()
        return fields_for(entity)


def actions(company: Any, db: Any) -> list[str]:
    with tenancy.company_scope(company.id):
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_admin_adds_fields_of_every_type_and_they_appear_in_the_form_at_once(logged_in_client, company, db):
    page = logged_in_client.get(PAGE)
    assert page.status_code == 200 and "No custom fields for people yet." in page.get_data(as_text=True)
    for label, kind, options in (("Segment", "select", "SMB\nEnterprise\n\nSMB"), ("Seats", "number", ""),
                                 ("Renewal", "date", ""), ("Channels", "multiselect", "Email\nPhone"),
                                 ("Opted in", "checkbox", ""), ("Profile", "url", ""), ("Notes", "text", "")):
        response = post(logged_in_client, PAGE, {"entity": "person", "label": label, "field_type": kind, "options": options})
        assert response.status_code == 303, response.get_data(as_text=True)
    assert post(logged_in_client, PAGE, {"entity": "organization", "label": "Employees", "field_type": "number",
                                         "required": "y"}).status_code == 303
    made = fields(company)
    assert [(f.key, f.field_type) for f in made] == [
        ("segment", "select"), ("seats", "number"), ("renewal", "date"), ("channels", "multiselect"),
        ("opted_in", "checkbox"), ("profile", "url"), ("notes", "text")]
    assert made[0].options == ["SMB", "Enterprise"]
    assert [(f.key, f.required) for f in fields(company, "organization")] == [("employees", True)]
    form = logged_in_client.get("/people/new").get_data(as_text=True)
    assert 'name="cf_segment"' in form and 'name="cf_opted_in"' in form and 'type="date"' in form
    assert 'name="cf_employees"' in logged_in_client.get("/organizations/new").get_data(as_text=True)
    assert actions(company, db).count("custom_field_created") == 8


@pytest.mark.parametrize(("data", "message"), [
    ({"entity": "person", "label": "", "field_type": "text"}, "Enter a label."),
    ({"entity": "person", "label": "Segment", "field_type": "select", "options": "  \n "}, "at least one option"),
    ({"entity": "person", "label": "X", "field_type": "formula"}, "Not a valid choice"),
    ({"entity": "deal", "label": "X", "field_type": "text"}, "Not a valid choice"),
    ({"entity": "person", "label": "<b>A</b>" * 20, "field_type": "text"}, "longer than 120"),
])
def test_bad_field_definitions_are_422(logged_in_client, company, data, message):
    response = post(logged_in_client, PAGE, data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert fields(company) == []


def test_a_taken_key_is_refused(logged_in_client, company):
    assert post(logged_in_client, PAGE, {"entity": "person", "label": "Segment", "field_type": "text"}).status_code == 303
    response = post(logged_in_client, PAGE, {"entity": "person", "label": "segment!", "field_type": "text"})
    assert response.status_code == 422 and "exists already" in response.get_data(as_text=True)
    assert post(logged_in_client, PAGE, {"entity": "organization", "label": "Segment", "field_type": "text"}).status_code == 303


def test_edit_label_options_and_required(logged_in_client, company, db):
    with tenancy.company_scope(company.id):
        field = create_field("person", "Segment", "select", ["SMB", "Enterprise"])
        db.session.commit()
        field_id = field.id
    page = logged_in_client.get(f"{PAGE}/{field_id}/edit").get_data(as_text=True)
    assert "SMB\nEnterprise" in page and "segment" in page
    bad = post(logged_in_client, f"{PAGE}/{field_id}/edit", {"label": "Size", "options": ""})
    assert bad.status_code == 422 and "at least one option" in bad.get_data(as_text=True)
    ok = post(logged_in_client, f"{PAGE}/{field_id}/edit", {"label": "Company size", "options": "Small\nLarge", "required": "y"})
    assert ok.status_code == 303
    (saved,) = fields(company)
    assert (saved.label, saved.options, saved.required, saved.key, saved.field_type) == (
        "Company size", ["Small", "Large"], True, "segment", "select")
    assert "custom_field_changed" in actions(company, db)
    required = logged_in_client.post_form("/people", {"first_name": "Ada", "lifecycle_stage": "lead"}, token_from="/people")
    assert required.status_code == 422 and "This field is required." in required.get_data(as_text=True)


def test_reorder_with_up_and_down(logged_in_client, company, db):
    with tenancy.company_scope(company.id):
        ids = [create_field("person", label, "text").id for label in ("One", "Two", "Three")]
        db.session.commit()
    assert post(logged_in_client, f"{PAGE}/{ids[2]}/move", {"direction": "up"}).status_code == 303
    assert [f.label for f in fields(company)] == ["One", "Three", "Two"]
    assert post(logged_in_client, f"{PAGE}/{ids[0]}/move", {"direction": "down"}).status_code == 303
    assert [f.label for f in fields(company)] == ["Three", "One", "Two"]
    assert post(logged_in_client, f"{PAGE}/{ids[2]}/move", {"direction": "up"}).status_code == 303  # already first
    assert [f.label for f in fields(company)] == ["Three", "One", "Two"]
    assert post(logged_in_client, f"{PAGE}/{ids[2]}/move", {"direction": "sideways"}).status_code == 400
    assert "custom_field_moved" in actions(company, db)
    html = logged_in_client.get("/people/new").get_data(as_text=True)
    assert html.index('name="cf_three"') < html.index('name="cf_one"') < html.index('name="cf_two"')


def test_delete_removes_the_field_and_its_values_after_a_confirmation(logged_in_client, company, db):
    with tenancy.company_scope(company.id):
        field = create_field("person", "Seats", "number")
        set_values([field], 1, {"seats": [("5", None, None)]})
        db.session.commit()
        field_id = field.id
    page = logged_in_client.get(PAGE).get_data(as_text=True)
    assert 'data-confirm="Delete the field Seats and every value stored in it?' in page
    assert logged_in_client.get(f"{PAGE}/{field_id}/delete").status_code == 405  # never a GET
    assert post(logged_in_client, f"{PAGE}/{field_id}/delete").status_code == 303
    assert fields(company) == []
    with tenancy.company_scope(company.id):
        assert db.session.scalar(select(func.count()).select_from(CustomFieldValue)) == 0
    assert "custom_field_deleted" in actions(company, db)
    assert "Custom field deleted" in logged_in_client.get("/settings/audit").get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", "readonly"])
def test_members_and_readonly_users_get_403(app, company, db, role):
    with tenancy.company_scope(company.id):
        field_id = create_field("person", "Seats", "number").id
        db.session.commit()
    user = make_user(company, f"{role}@acme.test", role)
    client = app.test_client()
    client.login(user.email)
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}/{field_id}/edit").status_code == 403
    token = client.csrf_token("/people")
    for path, data in ((PAGE, {"entity": "person", "label": "X", "field_type": "text"}),
                       (f"{PAGE}/{field_id}/edit", {"label": "Hacked"}),
                       (f"{PAGE}/{field_id}/move", {"direction": "up"}),
                       (f"{PAGE}/{field_id}/delete", {})):
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    assert [f.label for f in fields(company)] == ["Seats"]
    assert "Custom fields" not in client.get("/people").get_data(as_text=True)


def test_fields_of_another_company_are_404(logged_in_client, company, other_company, db):
    with tenancy.company_scope(other_company.id):
        foreign = create_field("person", "Secret", "text")
        db.session.commit()
        foreign_id = foreign.id
    assert "Secret" not in logged_in_client.get(PAGE).get_data(as_text=True)
    assert logged_in_client.get(f"{PAGE}/{foreign_id}/edit").status_code == 404
    assert post(logged_in_client, f"{PAGE}/{foreign_id}/delete").status_code == 404
    assert [f.label for f in fields(other_company)] == ["Secret"]


def test_labels_are_escaped(logged_in_client, company, db):
    post(logged_in_client, PAGE, {"entity": "person", "label": "<script>x</script>", "field_type": "select",
                                  "options": "<img src=x onerror=alert(1)>"})
    for path in (PAGE, "/people/new"):
        html = logged_in_client.get(path).get_data(as_text=True)
        assert "<script>x</script>" not in html and "<img src=x" not in html and "&lt;script&gt;" in html

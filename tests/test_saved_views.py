"""Saved views of the people list: save, apply, rename, delete; private to their user and company."""

from __future__ import annotations

from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.contacts.saved_views import SavedView
from crm_platform.testing import TEST_PASSWORD, make_user


def post(client, path, data):
    return client.post_form(path, data, token_from="/people", headers={"HX-Request": "true"})


def views(company, db):
    db.session.expire_all()
    with tenancy.company_scope(company.id):
        return list(db.session.scalars(select(SavedView).order_by(SavedView.id)))


def test_save_apply_rename_delete(logged_in_client, company, db):
    response = post(logged_in_client, "/people/views", {"name": "My customers", "query": "stage=customer&sort=-updated&cursor=abc"})
    (view,) = views(company, db)
    assert view.query == "stage=customer&sort=-updated" and view.name == "My customers"
    assert response.headers["HX-Redirect"] == f"/people?stage=customer&sort=-updated&view={view.id}"
    page = logged_in_client.get("/people").get_data(as_text=True)
    assert "My customers" in page
    applied = logged_in_client.get(f"/people/views/{view.id}")
    assert applied.status_code == 303 and applied.headers["Location"].endswith(f"?stage=customer&sort=-updated&view={view.id}")
    post(logged_in_client, f"/people/views/{view.id}/rename", {"name": "Customers, latest first"})
    assert views(company, db)[0].name == "Customers, latest first"
    post(logged_in_client, f"/people/views/{view.id}/delete", {})
    assert views(company, db) == []


def test_names_are_unique_per_user_and_required(logged_in_client, company, db):
    post(logged_in_client, "/people/views", {"name": "Leads", "query": "stage=lead"})
    post(logged_in_client, "/people/views", {"name": "   ", "query": "stage=prospect"})
    post(logged_in_client, "/people/views", {"name": "x" * 81, "query": ""})
    post(logged_in_client, "/people/views", {"name": "leads", "query": "stage=prospect"})
    assert [v.name for v in views(company, db)] == ["Leads"]
    page = logged_in_client.get("/people").get_data(as_text=True)
    assert "You already have a view named leads." in page


def test_users_never_see_each_others_views(app, logged_in_client, company, db):
    post(logged_in_client, "/people/views", {"name": "Mine", "query": "stage=lead"})
    (view,) = views(company, db)
    make_user(company, "colleague@example.com", role="member")
    other = app.test_client()
    other.login("colleague@example.com", TEST_PASSWORD)
    assert "Mine" not in other.get("/people").get_data(as_text=True)
    assert other.get(f"/people/views/{view.id}").status_code == 404
    assert post(other, f"/people/views/{view.id}/rename", {"name": "Stolen"}).status_code == 404
    assert post(other, f"/people/views/{view.id}/delete", {}).status_code == 404
    assert views(company, db)[0].name == "Mine"


def test_readonly_users_keep_their_own_views(client, company, db):
    make_user(company, "viewer@example.com", role="readonly")
    client.login("viewer@example.com", TEST_PASSWORD)
    assert post(client, "/people/views", {"name": "Watch list", "query": "stage=customer"}).status_code == 200
    assert [v.name for v in views(company, db)] == ["Watch list"]


def test_other_companys_view_is_404(logged_in_client, company, other_company, db, user):
    with tenancy.company_scope(other_company.id):
        view = SavedView(user_id=user.id, name="Elsewhere", query="stage=lead")
        db.session.add(view)
        db.session.commit()
        view_id = view.id
    assert logged_in_client.get(f"/people/views/{view_id}").status_code == 404
    assert post(logged_in_client, f"/people/views/{view_id}/delete", {}).status_code == 404

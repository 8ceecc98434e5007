"""The operator area: hidden from everybody else, companies with member counts, create, (de)activate."""

import re

import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.audit.models import AuditEvent
from crm_platform.companies.models import Company, Invitation, Membership
from crm_platform.testing import make_user


@pytest.fixture()
def operator(app):
    return make_user(None, "op@instance.test", is_operator=True, name="Oscar Operator")


def signed_in(app, user):
    client = app.test_client()
    assert client.login(user.email).status_code == 303
    return client


def company_named(db, name):
    db.session.expire_all()
    return db.session.scalars(select(Company).where(Company.name == name)).first()


def test_operator_pages_are_404_for_everybody_else(app, db, company, other_company, user):
    owner = make_user(company, "olga@acme.test", "owner")
    clients = [(app.test_client(), "/login"), (signed_in(app, user), "/"), (signed_in(app, owner), "/")]
    for client, token_page in clients:
        assert client.get("/operator/companies").status_code == 404
        csrf = client.csrf_token(token_page)
        for path in ("/operator/companies", f"/operator/companies/{other_company.id}/deactivate", f"/operator/companies/{company.id}/reactivate"):
            assert client.post(path, data={"csrf_token": csrf, "name": "Evil"}).status_code == 404, path
    assert company_named(db, "Evil") is None
    assert company_named(db, "Globex").is_active


def test_nav_item_only_for_operators(app, db, company, user, operator):
    assert 'href="/operator/companies"' in signed_in(app, operator).get("/").get_data(as_text=True)
    assert 'href="/operator/companies"' not in signed_in(app, user).get("/").get_data(as_text=True)


def test_lists_every_company_with_member_counts(app, db, company, other_company, user, operator):
    make_user(company, "bob@acme.test", "member")
    make_user(other_company, "gina@globex.test", "member")
    page = signed_in(app, operator).get("/operator/companies")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    acme = re.search(r'id="company-%d">(.*?)</tr>' % company.id, text, re.S).group(1)
    globex = re.search(r'id="company-%d">(.*?)</tr>' % other_company.id, text, re.S).group(1)
    assert "Acme" in acme and "<td>2</td>" in acme
    assert "Globex" in globex and "<td>1</td>" in globex


def test_create_company(app, db, operator, smtp_server):
    client = signed_in(app, operator)
    response = client.post_form("/operator/companies", {"name": "Initech", "owner_email": ""}, token_from="/")
    assert response.status_code == 303
    created = company_named(db, "Initech")
    assert created is not None and created.is_active and created.slug == "initech"
    assert smtp_server.messages == []
    assert "Initech" in client.get("/operator/companies").get_data(as_text=True)


def test_create_company_with_first_owner(app, db, operator, smtp_server):
    client = signed_in(app, operator)
    response = client.post_form("/operator/companies", {"name": "Initech", "owner_email": "peter@example.com"}, token_from="/")
    assert response.status_code == 303
    created = company_named(db, "Initech")
    with tenancy.unscoped():
        invitation = db.session.scalars(select(Invitation)).one()
    assert (invitation.company_id, invitation.email, invitation.role) == (created.id, "peter@example.com", "owner")
    assert smtp_server.messages[0]["To"] == "peter@example.com"
    link = re.search(r"http://crm\.test(/invite/\S+)", smtp_server.body()).group(1)
    visitor = app.test_client()
    accepted = visitor.post_form(link, {"name": "Peter", "password": "a long enough password", "confirm": "a long enough password"}, token_from=link)
    assert accepted.status_code == 303
    with tenancy.company_scope(created.id):
        assert db.session.scalars(select(Membership.role)).all() == ["owner"]
    assert visitor.get("/settings/members").status_code == 200


@pytest.mark.parametrize(
    "data",
    [{"name": ""}, {"name": "   "}, {"name": "x" * 121}, {"name": "Line\nBreak"}, {"name": "Okay", "owner_email": "nope"}],
)
def test_create_company_bad_input_is_422(app, db, operator, smtp_server, data):
    response = signed_in(app, operator).post_form("/operator/companies", data, token_from="/")
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalars(select(Company)).all() == []
    assert smtp_server.messages == []


def test_deactivate_and_reactivate(app, db, company, user, operator):
    member_client = signed_in(app, user)
    assert "Acme" in member_client.get("/").get_data(as_text=True)
    client = signed_in(app, operator)
    assert client.post_form(f"/operator/companies/{company.id}/deactivate", token_from="/").status_code == 303
    assert not company_named(db, "Acme").is_active
    assert "not part of a company" in member_client.get("/").get_data(as_text=True)
    assert member_client.get("/settings/members").status_code == 404
    assert "deactivated" in client.get("/operator/companies").get_data(as_text=True)
    assert client.post_form(f"/operator/companies/{company.id}/reactivate", token_from="/").status_code == 303
    assert company_named(db, "Acme").is_active
    assert member_client.get("/settings/members").status_code == 200
    with tenancy.company_scope(company.id):
        logged = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("company_%"))).all()
    assert sorted(logged) == ["company_deactivated", "company_reactivated"]


def test_state_changes_need_post(app, db, company, operator):
    client = signed_in(app, operator)
    assert client.get(f"/operator/companies/{company.id}/deactivate").status_code == 405
    assert company_named(db, "Acme").is_active


def test_unknown_company_is_404(app, db, operator):
    client = signed_in(app, operator)
    assert client.post_form("/operator/companies/999999/deactivate", token_from="/").status_code == 404


def test_operator_posts_need_csrf(app, db, company, operator):
    client = signed_in(app, operator)
    assert client.post(f"/operator/companies/{company.id}/deactivate").status_code == 400
    assert company_named(db, "Acme").is_active

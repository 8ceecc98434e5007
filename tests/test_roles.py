"""Role changes: who may grant what, and a company always keeps an owner."""

import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.companies.models import Membership
from crm_platform.permissions import can_assign_role
from crm_platform.testing import make_user


def signed_in(app, user):
    client = app.test_client()
    assert client.login(user.email).status_code == 303
    return client


def membership_of(db, company, user):
    with tenancy.company_scope(company.id):
        return db.session.scalars(select(Membership).where(Membership.user_id == user.id)).first()


def role_of(db, company, user):
    db.session.expire_all()
    membership = membership_of(db, company, user)
    return membership.role if membership else None


def change(client, membership_id, role):
    return client.post_form(f"/settings/members/{membership_id}/role", {"role": role}, token_from="/")


@pytest.mark.parametrize(
    ("actor", "target", "new", "allowed"),
    [
        ("owner", "owner", "admin", True),
        ("owner", "member", "owner", True),
        ("admin", "member", "admin", True),
        ("admin", "admin", "readonly", True),
        ("admin", "member", "owner", False),
        ("admin", "owner", "admin", False),
        ("admin", "owner", None, False),
        ("member", "readonly", "member", False),
        ("readonly", "member", "readonly", False),
        (None, "member", "admin", False),
    ],
)
def test_can_assign_role(actor, target, new, allowed):
    assert can_assign_role(actor, target, new) is allowed


def test_admin_changes_member_roles(app, db, company, user):
    bob = make_user(company, "bob@acme.test", "member")
    client = signed_in(app, user)
    response = change(client, membership_of(db, company, bob).id, "readonly")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/settings/members")
    assert role_of(db, company, bob) == "readonly"
    response = change(client, membership_of(db, company, bob).id, "admin")
    assert response.status_code == 303
    assert role_of(db, company, bob) == "admin"


def test_admin_cannot_promote_to_owner(app, db, company, user):
    bob = make_user(company, "bob@acme.test", "member")
    make_user(company, "olga@acme.test", "owner")
    client = signed_in(app, user)
    assert change(client, membership_of(db, company, bob).id, "owner").status_code == 403
    assert role_of(db, company, bob) == "member"
    assert change(client, membership_of(db, company, user).id, "owner").status_code == 403
    assert role_of(db, company, user) == "admin"


def test_admin_cannot_demote_or_remove_an_owner(app, db, company, user):
    olga = make_user(company, "olga@acme.test", "owner")
    make_user(company, "otto@acme.test", "owner")
    client = signed_in(app, user)
    membership_id = membership_of(db, company, olga).id
    assert change(client, membership_id, "member").status_code == 403
    assert client.post_form(f"/settings/members/{membership_id}/remove", token_from="/").status_code == 403
    assert role_of(db, company, olga) == "owner"


def test_admin_sees_no_owner_choice(app, db, company, user):
    make_user(company, "bob@acme.test", "member")
    html = signed_in(app, user).get("/settings/members").get_data(as_text=True)
    assert 'value="admin"' in html
    assert 'value="owner"' not in html


def test_owner_grants_and_revokes_owner(app, db, company):
    olga = make_user(company, "olga@acme.test", "owner")
    bob = make_user(company, "bob@acme.test", "member")
    client = signed_in(app, olga)
    assert 'value="owner"' in client.get("/settings/members").get_data(as_text=True)
    assert change(client, membership_of(db, company, bob).id, "owner").status_code == 303
    assert role_of(db, company, bob) == "owner"
    assert change(client, membership_of(db, company, bob).id, "member").status_code == 303
    assert role_of(db, company, bob) == "member"


def test_last_owner_cannot_be_demoted(app, db, company):
    olga = make_user(company, "olga@acme.test", "owner")
    client = signed_in(app, olga)
    response = change(client, membership_of(db, company, olga).id, "admin")
    assert response.status_code == 422
    assert "at least one owner" in response.get_data(as_text=True)
    assert role_of(db, company, olga) == "owner"


def test_owner_may_step_down_when_another_owner_remains(app, db, company):
    olga = make_user(company, "olga@acme.test", "owner")
    make_user(company, "otto@acme.test", "owner")
    client = signed_in(app, olga)
    response = change(client, membership_of(db, company, olga).id, "admin")
    assert response.status_code == 303
    assert role_of(db, company, olga) == "admin"


def test_own_demotion_below_admin_leads_to_the_dashboard(app, db, company, user):
    client = signed_in(app, user)
    response = change(client, membership_of(db, company, user).id, "member")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/")
    assert client.get("/settings/members").status_code == 403


@pytest.mark.parametrize("data", [{"role": "emperor"}, {"role": ""}, {}])
def test_bad_role_input_is_422(app, db, company, user, data):
    bob = make_user(company, "bob@acme.test", "member")
    client = signed_in(app, user)
    response = client.post_form(f"/settings/members/{membership_of(db, company, bob).id}/role", data, token_from="/")
    assert response.status_code == 422
    assert role_of(db, company, bob) == "member"


def test_missing_csrf_token_is_refused(app, db, company, user):
    bob = make_user(company, "bob@acme.test", "member")
    client = signed_in(app, user)
    response = client.post(f"/settings/members/{membership_of(db, company, bob).id}/role", data={"role": "admin"})
    assert response.status_code == 400
    assert role_of(db, company, bob) == "member"


def test_htmx_role_change_gets_hx_redirect(app, db, company, user):
    bob = make_user(company, "bob@acme.test", "member")
    client = signed_in(app, user)
    response = client.htmx("post", f"/settings/members/{membership_of(db, company, bob).id}/role", {"role": "admin"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/settings/members"
    assert role_of(db, company, bob) == "admin"


def test_role_change_is_not_possible_by_get(app, db, company, user):
    bob = make_user(company, "bob@acme.test", "member")
    client = signed_in(app, user)
    assert client.get(f"/settings/members/{membership_of(db, company, bob).id}/role?role=admin").status_code == 405
    assert role_of(db, company, bob) == "member"

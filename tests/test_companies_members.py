"""The team page, removing members, company settings, permissions and isolation."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.auth.models import AuthSession, User
from crm_platform.companies.models import Company, Invitation, Membership
from crm_platform.models_base import utcnow
from crm_platform.testing import make_user


def signed_in(app, user):
    client = app.test_client()
    assert client.login(user.email).status_code == 303
    return client


def membership_of(db, company, user):
    db.session.expire_all()
    with tenancy.company_scope(company.id):
        return db.session.scalars(select(Membership).where(Membership.user_id == user.id)).first()


def add_invitation(db, company, email="newbie@example.com"):
    with tenancy.company_scope(company.id):
        invitation = Invitation(
            company_id=company.id, email=email, role="member", token_hash=email.ljust(64, "x")[:64],
            expires_at=utcnow() + timedelta(days=1),
        )
        db.session.add(invitation)
        db.session.commit()
        return invitation.id


def test_team_page_lists_members_with_roles(app, db, company, user):
    make_user(company, "bob@acme.test", "member", name="Bob Member")
    make_user(company, "rita@acme.test", "readonly", name="Rita Reader")
    html = signed_in(app, user).get("/settings/members").get_data(as_text=True)
    for text in ("Ada Admin", "Bob Member", "Rita Reader", "bob@acme.test", "Read-only", "(you)"):
        assert text in html


def test_team_page_does_not_show_other_companies(app, db, company, other_company, user):
    make_user(other_company, "gina@globex.test", "member", name="Gina Globex")
    add_invitation(db, other_company, "secret@globex.test")
    html = signed_in(app, user).get("/settings/members").get_data(as_text=True)
    assert "Gina Globex" not in html
    assert "secret@globex.test" not in html


def test_team_nav_item_follows_permission(app, db, company, user):
    bob = make_user(company, "bob@acme.test", "member")
    assert 'href="/settings/members"' in signed_in(app, user).get("/").get_data(as_text=True)
    assert 'href="/settings/members"' not in signed_in(app, bob).get("/").get_data(as_text=True)


def test_remove_member_keeps_user_and_other_memberships(app, db, company, other_company, user):
    bob = make_user(company, "bob@acme.test", "member")
    make_user(other_company, "bob@acme.test", "admin")
    bob_client = signed_in(app, bob)
    client = signed_in(app, user)
    response = client.post_form(f"/settings/members/{membership_of(db, company, bob).id}/remove", token_from="/")
    assert response.status_code == 303
    assert membership_of(db, company, bob) is None
    assert membership_of(db, other_company, bob) is not None
    assert db.session.scalars(select(User).where(User.email == "bob@acme.test")).first() is not None
    assert db.session.scalars(select(AuthSession).where(AuthSession.user_id == bob.id)).first() is not None
    page = bob_client.get("/")
    assert page.status_code == 200
    assert "Globex" in page.get_data(as_text=True)
    assert bob_client.get("/settings/members").status_code == 200  # admin of Globex now


def test_removed_member_loses_access(app, db, company, user):
    bob = make_user(company, "bob@acme.test", "admin")
    bob_client = signed_in(app, bob)
    assert bob_client.get("/settings/members").status_code == 200
    client = signed_in(app, user)
    client.post_form(f"/settings/members/{membership_of(db, company, bob).id}/remove", token_from="/")
    assert bob_client.get("/settings/members").status_code == 404
    assert "not part of a company" in bob_client.get("/").get_data(as_text=True)


def test_last_owner_cannot_be_removed(app, db, company):
    olga = make_user(company, "olga@acme.test", "owner")
    client = signed_in(app, olga)
    response = client.post_form(f"/settings/members/{membership_of(db, company, olga).id}/remove", token_from="/")
    assert response.status_code == 422
    assert "at least one owner" in response.get_data(as_text=True)
    assert membership_of(db, company, olga) is not None


def test_owner_removes_another_owner(app, db, company):
    olga = make_user(company, "olga@acme.test", "owner")
    otto = make_user(company, "otto@acme.test", "owner")
    client = signed_in(app, olga)
    response = client.post_form(f"/settings/members/{membership_of(db, company, otto).id}/remove", token_from="/")
    assert response.status_code == 303
    assert membership_of(db, company, otto) is None


def test_removing_yourself_leads_to_the_dashboard(app, db, company, user):
    client = signed_in(app, user)
    response = client.post_form(f"/settings/members/{membership_of(db, company, user).id}/remove", token_from="/")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/")
    assert membership_of(db, company, user) is None


def test_member_gets_403_on_team_management(app, db, company, user):
    bob = make_user(company, "bob@acme.test", "member")
    client = signed_in(app, bob)
    target = membership_of(db, company, user).id
    invitation_id = add_invitation(db, company)
    assert client.get("/settings/members").status_code == 403
    assert client.get("/settings/company").status_code == 403
    posts = [
        (f"/settings/members/{target}/role", {"role": "readonly"}),
        (f"/settings/members/{target}/remove", {}),
        ("/settings/invitations", {"email": "x@example.com", "role": "member"}),
        (f"/settings/invitations/{invitation_id}/revoke", {}),
        ("/settings/company", {"name": "Hijacked"}),
    ]
    for path, data in posts:
        assert client.post_form(path, data, token_from="/").status_code == 403, path
    assert membership_of(db, company, user).role == "admin"
    assert db.session.get(Company, company.id).name == "Acme"


def test_readonly_gets_403_on_every_post(app, db, company, user):
    rita = make_user(company, "rita@acme.test", "readonly")
    client = signed_in(app, rita)
    target = membership_of(db, company, user).id
    own = membership_of(db, company, rita).id
    invitation_id = add_invitation(db, company)
    posts = [
        (f"/settings/members/{target}/role", {"role": "readonly"}),
        (f"/settings/members/{own}/role", {"role": "owner"}),
        (f"/settings/members/{target}/remove", {}),
        (f"/settings/members/{own}/remove", {}),
        ("/settings/invitations", {"email": "x@example.com", "role": "member"}),
        (f"/settings/invitations/{invitation_id}/revoke", {}),
        ("/settings/company", {"name": "Hijacked"}),
    ]
    for path, data in posts:
        assert client.post_form(path, data, token_from="/").status_code == 403, path
        assert client.htmx("post", path, data).status_code == 403, path
    assert membership_of(db, company, user).role == "admin"
    assert membership_of(db, company, rita).role == "readonly"
    assert client.get("/settings/members").status_code == 403
    assert client.get("/settings/audit").status_code == 403


def test_other_companys_members_and_invitations_are_404(app, db, company, other_company, user):
    gina = make_user(other_company, "gina@globex.test", "member")
    foreign_membership = membership_of(db, other_company, gina).id
    foreign_invitation = add_invitation(db, other_company)
    client = signed_in(app, user)
    assert client.post_form(f"/settings/members/{foreign_membership}/role", {"role": "admin"}, token_from="/").status_code == 404
    assert client.post_form(f"/settings/members/{foreign_membership}/remove", token_from="/").status_code == 404
    assert client.post_form(f"/settings/invitations/{foreign_invitation}/revoke", token_from="/").status_code == 404
    assert membership_of(db, other_company, gina).role == "member"
    db.session.expire_all()
    with tenancy.unscoped():
        assert db.session.get(Invitation, foreign_invitation).revoked_at is None


@pytest.mark.parametrize("path", ["/settings/members/999999/role", "/settings/members/999999/remove", "/settings/invitations/999999/revoke"])
def test_unknown_ids_are_404(logged_in_client, path):
    assert logged_in_client.post_form(path, {"role": "member"}, token_from="/").status_code == 404


def test_signed_out_visitor_is_sent_to_sign_in(client, company):
    response = client.get("/settings/members")
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]


def test_rename_company(app, db, company, user):
    client = signed_in(app, user)
    page = client.get("/settings/company")
    assert page.status_code == 200
    assert 'value="Acme"' in page.get_data(as_text=True)
    response = client.post_form("/settings/company", {"name": "  Acme   Corporation "}, token_from="/")
    assert response.status_code == 303
    db.session.expire_all()
    renamed = db.session.get(Company, company.id)
    assert renamed.name == "Acme Corporation"
    assert renamed.slug == "acme"
    assert "Acme Corporation" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("name", ["", "   ", "x" * 121, "Evil\r\nBcc: x@example.com"])
def test_rename_company_bad_input_is_422(app, db, company, user, name):
    client = signed_in(app, user)
    response = client.post_form("/settings/company", {"name": name}, token_from="/")
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Company, company.id).name == "Acme"


def test_rename_without_csrf_is_refused(app, db, company, user):
    client = signed_in(app, user)
    assert client.post("/settings/company", data={"name": "Nope"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Company, company.id).name == "Acme"

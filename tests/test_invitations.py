"""Invitations: mailed through real SMTP, hashed, single use, expiring, revocable."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.audit.models import AuditEvent
from crm_platform.auth.models import User
from crm_platform.companies.models import Invitation, Membership
from crm_platform.models_base import utcnow
from crm_platform.security import token_hash
from crm_platform.testing import TEST_PASSWORD, make_user

NEW_PASSWORD = "a fresh and long password"
LINK = re.compile(r"http://crm\.test(/invite/[A-Za-z0-9_\-]+)")


def signed_in(app, user):
    client = app.test_client()
    assert client.login(user.email).status_code == 303
    return client


def invite(client, email="newbie@example.com", role="member"):
    return client.post_form("/settings/invitations", {"email": email, "role": role}, token_from="/")


def invite_path(smtp_server, index=-1):
    match = LINK.search(smtp_server.body(index))
    assert match, smtp_server.body(index)
    return match.group(1)


def invitations(db):
    db.session.expire_all()
    with tenancy.unscoped():
        return db.session.scalars(select(Invitation).order_by(Invitation.id)).all()


def membership(db, company, email):
    db.session.expire_all()
    with tenancy.company_scope(company.id):
        return db.session.scalars(
            select(Membership).join(User, User.id == Membership.user_id).where(User.email == email)
        ).first()


def accept_as_new(client, path, name="Nina Newbie", password=NEW_PASSWORD, confirm=None):
    data = {"name": name, "password": password, "confirm": password if confirm is None else confirm}
    return client.post_form(path, data, token_from=path)


def test_invitation_mail_arrives_through_smtp(app, db, company, user, smtp_server):
    client = signed_in(app, user)
    response = invite(client, "newbie@example.com", "member")
    assert response.status_code == 303
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "newbie@example.com"
    assert "Acme" in message["Subject"]
    body = smtp_server.body()
    assert "Ada Admin invited you" in body and "Member" in body
    assert LINK.search(body)


def test_link_uses_base_url_not_request_host(app, db, company, user, smtp_server):
    from crm_platform.companies.service import create_invitation, send_invitation_mail

    with app.test_request_context("/", base_url="http://evil.example"), tenancy.company_scope(company.id):
        invitation, token = create_invitation(company, "newbie@example.com", "member", user, "admin")
        send_invitation_mail(invitation, token, company, user)
    assert "evil.example" not in smtp_server.body()
    assert LINK.search(smtp_server.body()).group(1) == f"/invite/{token}"


def test_token_is_stored_hashed(app, db, company, user, smtp_server):
    invite(signed_in(app, user))
    path = invite_path(smtp_server)
    token = path.rsplit("/", 1)[1]
    [row] = invitations(db)
    assert row.token_hash == token_hash(token)
    assert token not in (row.token_hash, row.email)
    assert row.role == "member" and row.invited_by_id == user.id
    max_age = app.config["CRM_TOKEN_MAX_AGE_INVITE"]
    expires = row.expires_at.replace(tzinfo=None) - row.created_at.replace(tzinfo=None)
    assert expires == timedelta(seconds=max_age)


def test_pending_invitations_are_listed_and_revocable(app, db, company, user, smtp_server):
    client = signed_in(app, user)
    invite(client, "newbie@example.com")
    path = invite_path(smtp_server)
    assert "newbie@example.com" in client.get("/settings/members").get_data(as_text=True)
    [row] = invitations(db)
    response = client.post_form(f"/settings/invitations/{row.id}/revoke", token_from="/")
    assert response.status_code == 303
    assert invitations(db)[0].revoked_at is not None
    assert f'id="invitation-{row.id}"' not in client.get("/settings/members").get_data(as_text=True)
    page = app.test_client().get(path)
    assert page.status_code == 404
    assert "no longer works" in page.get_data(as_text=True)
    again = client.post_form(f"/settings/invitations/{row.id}/revoke", token_from="/")
    assert again.status_code == 422


@pytest.mark.parametrize(
    "data",
    [
        {"email": "not-an-email", "role": "member"},
        {"email": "", "role": "member"},
        {"email": "x@example.com", "role": "emperor"},
        {"email": "x@example.com"},
        {"email": ("a" * 250) + "@example.com", "role": "member"},
        {"email": "x@example.com\r\nBcc: y@example.com", "role": "member"},
    ],
)
def test_bad_invite_input_is_422(app, db, company, user, smtp_server, data):
    client = signed_in(app, user)
    response = client.post_form("/settings/invitations", data, token_from="/")
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert invitations(db) == []
    assert smtp_server.messages == []


def test_admin_cannot_invite_an_owner(app, db, company, user, smtp_server):
    response = invite(signed_in(app, user), "boss@example.com", "owner")
    assert response.status_code == 422
    assert invitations(db) == []


def test_owner_can_invite_an_owner(app, db, company, smtp_server):
    olga = make_user(company, "olga@acme.test", "owner")
    assert invite(signed_in(app, olga), "boss@example.com", "owner").status_code == 303
    assert invitations(db)[0].role == "owner"


def test_existing_member_cannot_be_invited(app, db, company, user, smtp_server):
    make_user(company, "bob@example.org", "member")
    response = invite(signed_in(app, user), "BOB@example.org")
    assert response.status_code == 422
    assert "already a member" in response.get_data(as_text=True)


def test_reinviting_replaces_the_earlier_link(app, db, company, user, smtp_server):
    client = signed_in(app, user)
    invite(client)
    first = invite_path(smtp_server)
    invite(client, role="readonly")
    second = invite_path(smtp_server)
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200


def test_get_shows_the_invitation_and_changes_nothing(app, db, company, user, smtp_server):
    invite(signed_in(app, user), role="readonly")
    path = invite_path(smtp_server)
    visitor = app.test_client()
    for _ in range(2):
        page = visitor.get(path)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Acme" in html and "Read-only" in html and "newbie@example.com" in html
    assert invitations(db)[0].accepted_at is None
    assert db.session.scalars(select(User).where(User.email == "newbie@example.com")).first() is None


def test_accept_as_new_user(app, db, company, user, smtp_server):
    invite(signed_in(app, user), role="member")
    path = invite_path(smtp_server)
    visitor = app.test_client()
    assert "Create your account" in visitor.get(path).get_data(as_text=True)
    response = accept_as_new(visitor, path)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/")
    dashboard = visitor.get("/").get_data(as_text=True)
    assert "Welcome back, Nina Newbie" in dashboard and "Acme" in dashboard
    assert membership(db, company, "newbie@example.com").role == "member"
    assert invitations(db)[0].accepted_at is not None
    assert app.test_client().login("newbie@example.com", NEW_PASSWORD).status_code == 303
    with tenancy.company_scope(company.id):
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "invitation_accepted" in actions


@pytest.mark.parametrize(
    ("name", "password", "confirm"),
    [("", NEW_PASSWORD, None), ("Nina", "short", None), ("Nina", "aaaaaaaaaaaa", None), ("Nina", NEW_PASSWORD, "different one!!"), ("x" * 121, NEW_PASSWORD, None)],
)
def test_accept_as_new_user_bad_input_is_422(app, db, company, user, smtp_server, name, password, confirm):
    invite(signed_in(app, user))
    path = invite_path(smtp_server)
    visitor = app.test_client()
    response = accept_as_new(visitor, path, name, password, confirm)
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalars(select(User).where(User.email == "newbie@example.com")).first() is None
    assert invitations(db)[0].accepted_at is None
    assert visitor.get(path).status_code == 200


def test_reused_token_is_404(app, db, company, user, smtp_server):
    invite(signed_in(app, user))
    path = invite_path(smtp_server)
    assert accept_as_new(app.test_client(), path).status_code == 303
    other = app.test_client()
    assert other.get(path).status_code == 404
    csrf = other.csrf_token("/login")
    response = other.post(path, data={"csrf_token": csrf, "name": "Mallory", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 404
    assert "no longer works" in response.get_data(as_text=True)


def test_expired_token_is_404(app, db, company, user, smtp_server):
    invite(signed_in(app, user))
    path = invite_path(smtp_server)
    with tenancy.unscoped():
        row = db.session.scalars(select(Invitation)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    visitor = app.test_client()
    assert visitor.get(path).status_code == 404
    csrf = visitor.csrf_token("/login")
    response = visitor.post(path, data={"csrf_token": csrf, "name": "Nina", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 404
    assert membership(db, company, "newbie@example.com") is None


def test_unknown_token_is_404(client, company):
    response = client.get("/invite/not-a-real-token")
    assert response.status_code == 404
    assert "no longer works" in response.get_data(as_text=True)


def test_accept_as_existing_user(app, db, company, other_company, user, smtp_server):
    gina = make_user(other_company, "gina@example.org", "member", name="Gina Globex")
    invite(signed_in(app, user), "gina@example.org", "admin")
    path = invite_path(smtp_server)
    visitor = app.test_client()
    page = visitor.get(path).get_data(as_text=True)
    assert "Sign in to accept" in page
    assert "/login?next=/invite/" in page
    assert visitor.post_form(path, token_from="/login").status_code == 303  # signed out: to sign in
    assert membership(db, company, gina.email) is None
    login = visitor.post_form(f"/login?next={path}", {"email": gina.email, "password": TEST_PASSWORD})
    assert login.status_code == 303 and login.headers["Location"] == path
    page = visitor.get(path)
    assert page.status_code == 200
    assert "Accept and join Acme" in page.get_data(as_text=True)
    assert membership(db, company, gina.email) is None  # GET changed nothing
    response = visitor.post_form(path, token_from=path)
    assert response.status_code == 303
    assert membership(db, company, gina.email).role == "admin"
    assert membership(db, other_company, gina.email).role == "member"
    with visitor.session_transaction() as sess:
        assert sess["company_id"] == company.id
    assert "Acme" in visitor.get("/").get_data(as_text=True)
    assert visitor.get("/settings/members").status_code == 200  # admin of Acme now
    assert visitor.post_form(path, token_from="/").status_code == 404


def test_readonly_user_elsewhere_can_accept(app, db, company, other_company, user, smtp_server):
    rita = make_user(other_company, "rita@example.org", "readonly")
    invite(signed_in(app, user), rita.email, "member")
    path = invite_path(smtp_server)
    client = signed_in(app, rita)
    assert client.post_form(path, token_from=path).status_code == 303
    assert membership(db, company, rita.email).role == "member"


def test_wrong_signed_in_user_cannot_accept(app, db, company, other_company, user, smtp_server):
    gina = make_user(other_company, "gina@example.org", "member")
    invite(signed_in(app, user), "newbie@example.com")
    path = invite_path(smtp_server)
    client = signed_in(app, gina)
    page = client.get(path)
    assert page.status_code == 200
    assert "You are signed in as gina@example.org" in page.get_data(as_text=True)
    response = client.post_form(path, {"name": "X", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, token_from=path)
    assert response.status_code == 403
    assert membership(db, company, gina.email) is None
    assert db.session.scalars(select(User).where(User.email == "newbie@example.com")).first() is None
    assert invitations(db)[0].accepted_at is None


def test_existing_member_accepting_keeps_role(app, db, company, smtp_server):
    from crm_platform.companies.service import create_invitation

    make_user(company, "olga@acme.test", "owner")
    with app.test_request_context(), tenancy.company_scope(company.id):
        invitation, token = create_invitation(company, "later@example.org", "readonly", None, "owner")
    make_user(company, "later@example.org", "admin")
    client = signed_in(app, db.session.scalars(select(User).where(User.email == "later@example.org")).one())
    assert "already a member" in client.get(f"/invite/{token}").get_data(as_text=True)
    assert client.post_form(f"/invite/{token}", token_from="/").status_code == 303
    assert membership(db, company, "later@example.org").role == "admin"


def test_invitation_to_deactivated_company_is_404(app, db, company, user, smtp_server):
    invite(signed_in(app, user))
    path = invite_path(smtp_server)
    company.is_active = False
    db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_invitations_of_inactive_users_are_404(app, db, company, user, smtp_server):
    make_user(None, "gone@example.com", is_active_flag=False)
    invite(signed_in(app, user), "gone@example.com")
    assert app.test_client().get(invite_path(smtp_server)).status_code == 404


def test_user_without_password_sets_one_through_the_invitation(app, db, company, user, smtp_server):
    db.session.add(User(email="nopass@example.com", name=""))
    db.session.commit()
    invite(signed_in(app, user), "nopass@example.com")
    path = invite_path(smtp_server)
    visitor = app.test_client()
    assert accept_as_new(visitor, path, name="No Pass").status_code == 303
    assert membership(db, company, "nopass@example.com").role == "member"
    assert app.test_client().login("nopass@example.com", NEW_PASSWORD).status_code == 303

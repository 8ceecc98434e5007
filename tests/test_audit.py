"""The audit log: team events are recorded, the page is permission-guarded and paginates by keyset."""

import html as html_lib
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from crm_platform import tenancy
from crm_platform.audit.models import AuditEvent
from crm_platform.audit.views import decode_cursor
from crm_platform.companies.models import Invitation, Membership
from crm_platform.models_base import utcnow
from crm_platform.testing import make_user

OLDER = re.compile(r'<a[^>]*href="([^"]*before=[^"]*)"[^>]*>Older</a>')


def signed_in(app, user):
    client = app.test_client()
    assert client.login(user.email).status_code == 303
    return client


def actions(db, company):
    db.session.expire_all()
    with tenancy.company_scope(company.id):
        rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        return [(e.action, e.detail, e.actor_id) for e in rows]


def membership_id(db, company, user):
    with tenancy.company_scope(company.id):
        return db.session.scalars(select(Membership.id).where(Membership.user_id == user.id)).one()


def test_team_events_are_recorded_and_shown(app, db, company, user, smtp_server):
    bob = make_user(company, "bob@acme.test", "member")
    carl = make_user(company, "carl@acme.test", "member")
    client = signed_in(app, user)
    client.post_form(f"/settings/members/{membership_id(db, company, bob)}/role", {"role": "readonly"}, token_from="/")
    client.post_form(f"/settings/members/{membership_id(db, company, carl)}/remove", token_from="/")
    client.post_form("/settings/invitations", {"email": "first@example.com", "role": "member"}, token_from="/")
    client.post_form("/settings/invitations", {"email": "second@example.com", "role": "admin"}, token_from="/")
    with tenancy.unscoped():
        first = db.session.scalars(select(Invitation).where(Invitation.email == "first@example.com")).one()
    client.post_form(f"/settings/invitations/{first.id}/revoke", token_from="/")
    link = re.search(r"http://crm\.test(/invite/\S+)", smtp_server.body()).group(1)
    visitor = app.test_client()
    visitor.post_form(link, {"name": "Sam", "password": "a long enough password", "confirm": "a long enough password"}, token_from=link)

    recorded = [a for a in actions(db, company) if a[0] not in ("sign_in",)]
    assert ("role_changed", "bob@acme.test: member → readonly", user.id) in recorded
    assert ("member_removed", "carl@acme.test (was member)", user.id) in recorded
    assert ("invitation_sent", "first@example.com as member", user.id) in recorded
    assert ("invitation_sent", "second@example.com as admin", user.id) in recorded
    assert ("invitation_revoked", "first@example.com", user.id) in recorded
    accepted = [a for a in recorded if a[0] == "invitation_accepted"]
    assert len(accepted) == 1 and accepted[0][1] == "second@example.com joined as admin"

    page = client.get("/settings/audit")
    assert page.status_code == 200
    text = html_lib.unescape(page.get_data(as_text=True))
    for label in ("Role changed", "Member removed", "Invitation sent", "Invitation revoked", "Invitation accepted"):
        assert label in text
    assert text.index("Invitation accepted") < text.index("Role changed")  # newest first
    assert "bob@acme.test: member → readonly" in text


def test_events_of_other_companies_are_not_shown(app, db, company, other_company, user):
    with tenancy.company_scope(other_company.id):
        db.session.add(AuditEvent(action="role_changed", detail="globex secret"))
        db.session.commit()
    assert "globex secret" not in signed_in(app, user).get("/settings/audit").get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", "readonly"])
def test_audit_log_needs_audit_view(app, db, company, role):
    person = make_user(company, f"{role}@acme.test", role)
    client = signed_in(app, person)
    assert client.get("/settings/audit").status_code == 403
    assert 'href="/settings/audit"' not in client.get("/").get_data(as_text=True)


def test_owner_and_admin_see_the_nav_item(app, db, company, user):
    assert 'href="/settings/audit"' in signed_in(app, user).get("/").get_data(as_text=True)


def _seed(db, company, count):
    """``count`` events; every third one shares its timestamp with the previous one (ties)."""
    base = utcnow() - timedelta(days=1)
    with tenancy.company_scope(company.id):
        stamp = base
        for n in range(count):
            if n % 3:
                stamp = stamp + timedelta(seconds=1)
            db.session.add(AuditEvent(action="role_changed", detail=f"event-{n:03d}", created_at=stamp))
        db.session.commit()


def test_pagination_walks_every_event_once_newest_first(app, db, company, user):
    _seed(db, company, 120)
    client = signed_in(app, user)
    with tenancy.company_scope(company.id):
        db.session.execute(AuditEvent.__table__.delete().where(AuditEvent.action == "sign_in"))
        db.session.commit()
    seen, url, pages = [], "/settings/audit", 0
    while url:
        page = client.get(url)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        details = re.findall(r"event-(\d{3})", text)
        seen.extend(int(d) for d in details)
        pages += 1
        match = OLDER.search(text)
        url = html_lib.unescape(match.group(1)) if match else None
        if url:
            assert len(details) == 50
    assert pages == 3
    assert seen == list(range(119, -1, -1))


def test_page_uses_no_count_query(app, db, company, user):
    _seed(db, company, 60)
    client = signed_in(app, user)
    statements = []

    def capture(conn, cursor, statement, *args):
        statements.append(statement.lower())

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        page = client.get("/settings/audit")
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert page.status_code == 200
    assert OLDER.search(page.get_data(as_text=True))
    assert not [s for s in statements if "count(" in s]


def test_htmx_request_gets_only_the_events_block(app, db, company, user):
    _seed(db, company, 5)
    page = signed_in(app, user).get("/settings/audit", headers={"HX-Request": "true"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "event-004" in text and "<html" not in text


@pytest.mark.parametrize("cursor", ["nonsense", "2026-01-01T00:00:00", "2026-13-01T00:00:00,5", ",5", "2026-01-01T00:00:00,x", "x" * 200])
def test_malformed_cursor_is_422(app, db, company, user, cursor):
    assert signed_in(app, user).get("/settings/audit", query_string={"before": cursor}).status_code == 422


def test_cursor_round_trip():
    moment, event_id = decode_cursor("2026-03-01T10:20:30.123456,42")
    assert event_id == 42
    assert moment.isoformat() == "2026-03-01T10:20:30.123456+00:00"
    assert decode_cursor("2026-03-01T12:20:30.123456+02:00,42")[0] == moment

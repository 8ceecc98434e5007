"""The dashboard widgets of the contacts module: recent activity and people by stage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from crm_platform import tenancy
from crm_platform.contacts.models import Activity, Organization, Person


def test_widgets_on_an_empty_company(logged_in_client):
    html = logged_in_client.get("/").get_data(as_text=True)
    assert "Recent activity" in html and "People by stage" in html
    assert "No activity yet." in html and "No people yet." in html
    assert "<b>recent-activity</b>" not in html and "<b>people-by-stage</b>" not in html  # no error boxes


def test_recent_activity_shows_the_last_eight_with_links(logged_in_client, company, other_company, user, db):
    start = datetime(2025, 3, 1, tzinfo=UTC)
    with tenancy.company_scope(company.id):
        person = Person(first_name="Ada", last_name="Lovelace")
        organization = Organization(name="Engines <Ltd>")
        db.session.add_all([person, organization])
        db.session.flush()
        db.session.add_all(
            Activity(kind="call", body=f"call-{i:02d}", person_id=person.id, author_id=user.id, created_at=start + timedelta(days=i))
            for i in range(10)
        )
        db.session.add(Activity(kind="meeting", body="org-visit", organization_id=organization.id, created_at=start + timedelta(days=20)))
        db.session.commit()
    with tenancy.company_scope(other_company.id):
        db.session.add(Activity(kind="note", body="foreign-note", created_at=start + timedelta(days=30)))
        db.session.commit()
    statements: list[str] = []
    listener = lambda conn, cursor, statement, *args: statements.append(statement) if "activity" in statement else None  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        html = logged_in_client.get("/").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1, statements  # authors, people and organizations come joined
    assert "foreign-note" not in html
    assert "org-visit" in html and f'href="/organizations/{organization.id}"' in html
    assert "Engines &lt;Ltd&gt;" in html
    assert f'href="/people/{person.id}"' in html
    shown = [f"call-{i:02d}" for i in range(10) if f"call-{i:02d}" in html]
    assert shown == [f"call-{i:02d}" for i in range(3, 10)]  # 7 calls + the visit = 8
    assert html.index("org-visit") < html.index("call-09") < html.index("call-03")


def test_people_by_stage_counts(logged_in_client, company, other_company, db):
    with tenancy.company_scope(company.id):
        db.session.add_all(Person(first_name=f"L{i}", lifecycle_stage="lead") for i in range(3))
        db.session.add_all(Person(first_name=f"C{i}", lifecycle_stage="customer") for i in range(2))
        db.session.commit()
    with tenancy.company_scope(other_company.id):
        db.session.add_all(Person(first_name=f"X{i}", lifecycle_stage="churned") for i in range(4))
        db.session.commit()
    html = logged_in_client.get("/").get_data(as_text=True)
    section = html[html.index("People by stage"):]
    for stage, count in (("lead", 3), ("prospect", 0), ("customer", 2), ("churned", 0)):
        assert f'href="/people?stage={stage}"' in section
        row = section[section.index(f'href="/people?stage={stage}"'):]
        assert f'<td class="numeric">{count}</td>' in row[: row.index("</tr>")]
    assert '<th scope="row">Total</th><td class="numeric">5</td>' in section


def test_readonly_sees_the_widgets(client, company, db):
    from crm_platform.testing import make_user

    make_user(company, "ro@x.test", "readonly")
    client.login("ro@x.test")
    html = client.get("/").get_data(as_text=True)
    assert "Recent activity" in html and "People by stage" in html

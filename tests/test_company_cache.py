"""Per-process answers about the current company (crm_platform/company_cache.py): kept, then refreshed."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa
from flask import g
from sqlalchemy import event

from crm_platform import company_cache, tenancy
from crm_platform.auth.models import User
from crm_platform.companies.models import Company, Membership
from crm_platform.contacts.models import Tag
from crm_platform.extensions import db as _db
from crm_platform.plugins import runtime
from crm_platform.plugins.models import PluginState
from crm_platform.testing import make_user
from crm_platform.themes.models import Branding


class Statements:
    """The SQL statements run while the block runs."""

    def __init__(self, app):
        with app.app_context():
            self.engine = _db.engine
        self.seen: list[str] = []

    def _log(self, conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        self.seen.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._log)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._log)

    def touching(self, table: str) -> list[str]:
        return [s for s in self.seen if f"FROM {table}" in s]


def _version(company_id: int) -> int:
    with tenancy.unscoped():
        return _db.session.get(Company, company_id).config_version


def _other_process_writes(app, statement: sa.Executable, company_id: int) -> None:
    """What another gunicorn process does: a committed write and a version bump, without this process knowing."""
    with app.app_context(), _db.engine.begin() as conn:
        conn.execute(statement)
        table = Company.__table__
        conn.execute(sa.update(table).where(table.c.id == company_id).values(config_version=table.c.config_version + 1))


def test_every_page_reads_plugins_branding_members_and_tags_once_per_process(app, logged_in_client):
    logged_in_client.get("/people")
    with Statements(app) as log:
        assert logged_in_client.get("/people").status_code == 200
    for table in ("plugin_state", "branding", "tag", "custom_field", "saved_view", "notification"):
        assert log.touching(table) == [], table
    assert not [s for s in log.seen if "FROM membership JOIN user" in s]


def test_a_change_from_another_process_is_seen_on_the_next_request(app, logged_in_client, company, db, user):
    logged_in_client.get("/people")
    table = Tag.__table__
    _other_process_writes(app, sa.insert(table).values(company_id=company.id, name="fresh-from-elsewhere",
                                                       created_at=sa.func.current_timestamp()), company.id)
    assert "fresh-from-elsewhere" in logged_in_client.get("/people").get_data(as_text=True)
    # the same write without a version bump is not seen: the answer really is kept
    with app.app_context(), _db.engine.begin() as conn:
        conn.execute(sa.insert(table).values(company_id=company.id, name="unannounced", created_at=sa.func.current_timestamp()))
    assert "unannounced" not in logged_in_client.get("/people").get_data(as_text=True)


def test_orm_writes_bump_the_version_and_refresh_this_process(app, logged_in_client, company, db, user):
    logged_in_client.get("/people")
    start = _version(company.id)
    with tenancy.company_scope(company.id):
        db.session.add(Tag(name="brand-new"))
        db.session.commit()
    assert _version(company.id) == start + 1
    assert "brand-new" in logged_in_client.get("/people").get_data(as_text=True)

    with tenancy.company_scope(company.id):
        db.session.add(Branding(display_name="Acme Rebranded", version=1))
        db.session.commit()
    assert _version(company.id) == start + 2
    assert "Acme Rebranded" in logged_in_client.get("/people").get_data(as_text=True)

    colleague = make_user(company, "newbie@acme.test", "member", name="Newcomer Nadia")
    assert _version(company.id) == start + 3
    assert "Newcomer Nadia" in logged_in_client.get("/people").get_data(as_text=True)

    with tenancy.unscoped():
        db.session.get(User, colleague.id).name = "Renamed Nadia"
        db.session.commit()
    assert _version(company.id) == start + 4
    page = logged_in_client.get("/people").get_data(as_text=True)
    assert "Renamed Nadia" in page and "Newcomer Nadia" not in page


def test_changes_that_do_not_matter_leave_the_version_alone(app, company, db, user):
    start = _version(company.id)
    with tenancy.unscoped():
        db.session.get(User, user.id).last_login_at = sa.func.current_timestamp()
        db.session.commit()
    assert _version(company.id) == start


@contextlib.contextmanager
def _request_as(app, company_id: int):
    """A request context (with its own ``g`` and session) with the company context a page would have."""
    with app.app_context(), app.test_request_context("/people"):
        token = tenancy.set_company(company_id)
        with tenancy.unscoped():
            g.company = _db.session.get(Company, company_id)
        try:
            yield
        finally:
            tenancy.reset_company(token)
            _db.session.remove()


def test_a_rolled_back_change_is_not_kept(app, company, db):
    with _request_as(app, company.id):
        before = runtime.enabled_names()
        name = next(iter(before), None) or "sales"
    with _request_as(app, company.id):
        db.session.add(PluginState(plugin=name, enabled=name not in before))
        changed = runtime.enabled_names()  # the autoflush shows this request its own change
        assert (name in changed) != (name in before) or not runtime.find(name)
        db.session.rollback()
    with _request_as(app, company.id):
        assert runtime.enabled_names() == before


def test_outside_a_request_nothing_is_kept(app, company, db):
    with app.app_context(), tenancy.company_scope(company.id):
        calls = []
        assert company_cache.cached("test", None, lambda: calls.append(1) or len(calls)) == 1
        assert company_cache.cached("test", None, lambda: calls.append(1) or len(calls)) == 2


def test_removing_a_member_refreshes_the_member_list(app, logged_in_client, company, db):
    make_user(company, "leaving@acme.test", "member", name="Leaving Leo")
    assert "Leaving Leo" in logged_in_client.get("/people").get_data(as_text=True)
    with tenancy.company_scope(company.id):
        membership = db.session.scalars(sa.select(Membership).join(User).where(User.email == "leaving@acme.test")).one()
        db.session.delete(membership)
        db.session.commit()
    assert "Leaving Leo" not in logged_in_client.get("/people").get_data(as_text=True)


def test_the_bell_saved_views_and_custom_fields_follow_their_changes(app, logged_in_client, company, db, user):
    from crm_platform.contacts.saved_views import SavedView
    from crm_platform.customfields.service import create_field
    from crm_platform.timeline.notifications import mark_all_read, notify

    logged_in_client.get("/people")
    with tenancy.company_scope(company.id):
        notify(user.id, "Look at this")
        db.session.add(SavedView(user_id=user.id, entity="person", name="Hot leads", query="stage=lead"))
        create_field("person", "Shoe size", "number")
        db.session.commit()
    page = logged_in_client.get("/people").get_data(as_text=True)
    assert "Hot leads" in page and "Shoe size" in page
    assert 'class="bell-count"' in page
    with app.test_request_context("/people"), tenancy.company_scope(company.id):
        mark_all_read(user.id)  # a bulk UPDATE: bumps the version itself
        db.session.commit()
    assert 'class="bell-count"' not in logged_in_client.get("/people").get_data(as_text=True)

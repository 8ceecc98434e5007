"""A timeline page loads the files of its entries in one statement, or none when no entry has any."""

from __future__ import annotations

from sqlalchemy import event

from crm_platform import tenancy
from crm_platform.contacts import services
from crm_platform.contacts.models import Activity
from crm_platform.timeline.feed import feed_page
from crm_platform.timeline.models import Attachment
from tests.timeline_helpers import add_person


def _statements(db, action):
    seen: list[str] = []
    listen = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        result = action()
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    return result, [s for s in seen if "FROM attachment" in s and "count(" not in s]


def test_files_come_in_one_statement_and_none_is_run_without_files(company, db):
    person = add_person(company, db)
    with tenancy.company_scope(company.id):
        plain = Activity(kind="note", body="no file", person_id=person.id)
        with_files = Activity(kind="note", body="two files", person_id=person.id)
        db.session.add_all([plain, with_files])
        db.session.flush()
        for name in ("b.pdf", "a.txt"):
            db.session.add(Attachment(activity_id=with_files.id, filename=name, content_type="text/plain", size=3,
                                      storage_name=f"{with_files.id}-{name}", sha256="0" * 64))
        db.session.commit()
        plain_id, files_id = plain.id, with_files.id
        db.session.expunge_all()

        page, loads = _statements(db, lambda: services.timeline_page(person_id=person.id))
        by_id = {a.id: a for a in page.items}
        assert len(loads) == 1
        assert [f.filename for f in by_id[files_id].attachments] == ["b.pdf", "a.txt"]  # by id, as before
        assert by_id[plain_id].attachments == []
        _, more = _statements(db, lambda: [a.attachments for a in page.items])
        assert more == []  # nothing left to load lazily

        db.session.expunge_all()
        db.session.delete(db.session.get(Activity, files_id))
        db.session.commit()
        db.session.expunge_all()
        page, loads = _statements(db, lambda: feed_page({}))
        assert loads == [] and all(a.attachments == [] for a in page.items)

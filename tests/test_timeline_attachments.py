"""Attachments on notes: stored under instance/uploads/<company>/, served only to members, removed with the note."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from crm_platform import tenancy
from crm_platform.testing import make_user, purge_trashed_now
from crm_platform.timeline.attachments import clean_filename, sniff_type
from tests.timeline_helpers import add_person, attachments, htmx_post, rows

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<html><script>alert(document.cookie)</script></html>"


def upload(client, person, files, body="See attached", kind="note"):
    data = {"kind": kind, "body": body, "files": [(io.BytesIO(content), name) for name, content in files]}
    return htmx_post(client, f"/people/{person.id}/activities", data, content_type="multipart/form-data")


def test_files_are_stored_privately_and_listed(app, logged_in_client, company, db):
    person = add_person(company, db)
    response = upload(logged_in_client, person, [("quote.pdf", PDF), ("../../etc/passwd", b"root:x:0:0\n")])
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    first, second = attachments(company, db)
    assert (first.filename, first.content_type, first.size) == ("quote.pdf", "application/pdf", len(PDF))
    assert first.sha256 == hashlib.sha256(PDF).hexdigest()
    assert second.filename == "passwd" and second.content_type == "text/plain"
    folder = Path(app.instance_path) / "uploads" / str(company.id)
    assert (folder / first.storage_name).read_bytes() == PDF
    assert first.storage_name not in ("quote.pdf",) and len(first.storage_name) >= 20
    static = Path(app.static_folder)
    assert not any(p.name == first.storage_name for p in static.rglob("*"))
    assert f'href="/attachments/{first.id}"' in html and "quote.pdf" in html


def test_download_is_an_attachment_with_nosniff_and_a_safe_type(logged_in_client, company, db):
    person = add_person(company, db)
    upload(logged_in_client, person, [("quote.pdf", PDF), ("evil.html", HTML)])
    pdf, page = attachments(company, db)
    response = logged_in_client.get(f"/attachments/{pdf.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;") and "quote.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert page.content_type == "text/plain"  # sniffed, never the browser's text/html claim
    evil = logged_in_client.get(f"/attachments/{page.id}")
    assert evil.headers["Content-Type"].startswith("text/plain") and "attachment" in evil.headers["Content-Disposition"]
    assert "sandbox" in evil.headers["Content-Security-Policy"]


def test_other_companies_and_strangers_get_404(app, logged_in_client, company, other_company, db, client):
    person = add_person(company, db)
    upload(logged_in_client, person, [("quote.pdf", PDF)])
    [pdf] = attachments(company, db)
    outsider = make_user(other_company, "eve@globex.test", "owner")
    assert client.login(outsider.email).status_code == 303
    assert client.get(f"/attachments/{pdf.id}").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/attachments/{pdf.id}").status_code in (302, 303, 401)


def test_readonly_members_can_download_but_not_upload(app, logged_in_client, company, db, client):
    person = add_person(company, db)
    upload(logged_in_client, person, [("quote.pdf", PDF)])
    [pdf] = attachments(company, db)
    reader = make_user(company, "reader@acme.test", "readonly")
    assert client.login(reader.email).status_code == 303
    assert client.get(f"/attachments/{pdf.id}").status_code == 200
    assert upload(client, person, [("more.pdf", PDF)]).status_code == 403
    assert len(attachments(company, db)) == 1


def stored_files(app, company):
    folder = Path(app.instance_path) / "uploads" / str(company.id)
    return set(folder.glob("*")) if folder.exists() else set()


def test_too_large_empty_or_on_other_kinds_is_a_422(app, logged_in_client, company, db):
    person = add_person(company, db)
    before = stored_files(app, company)
    app.config.update(MAX_CONTENT_LENGTH=8192, CRM_ATTACHMENT_MAX_BYTES=2048)  # CRM_MAX_UPLOAD_BYTES, per file
    try:
        request_too_big = upload(logged_in_client, person, [("big.pdf", PDF + b"x" * 9000)])
        assert request_too_big.status_code == 413
        file_too_big = upload(logged_in_client, person, [("ok.pdf", PDF), ("medium.pdf", PDF + b"x" * 3000)])
        assert file_too_big.status_code == 422 and "medium.pdf is larger than 2 KB." in file_too_big.get_data(as_text=True)
    finally:
        app.config.update(MAX_CONTENT_LENGTH=25 * 1024 * 1024, CRM_ATTACHMENT_MAX_BYTES=10 * 1024 * 1024)
    empty = upload(logged_in_client, person, [("empty.txt", b"")])
    assert empty.status_code == 422 and "empty.txt is empty." in empty.get_data(as_text=True)
    task = upload(logged_in_client, person, [("a.pdf", PDF)], kind="task")
    assert task.status_code == 422 and "Attach files to notes." in task.get_data(as_text=True)
    assert rows(company, db) == [] and attachments(company, db) == []
    assert stored_files(app, company) == before  # the file written before the refusal was removed


def test_deleting_the_note_deletes_its_files(app, logged_in_client, company, db):
    person = add_person(company, db)
    upload(logged_in_client, person, [("quote.pdf", PDF)])
    [pdf] = attachments(company, db)
    path = Path(app.instance_path) / "uploads" / str(company.id) / pdf.storage_name
    assert path.exists()
    response = htmx_post(logged_in_client, f"/activities/{pdf.activity_id}/delete")
    assert response.status_code == 200
    assert not path.exists() and attachments(company, db) == []


def test_deleting_or_erasing_a_person_removes_their_files(app, logged_in_client, company, db):
    from crm_platform.privacy.service import erase_person

    first = add_person(company, db)
    second = add_person(company, db, "Alan", "Turing")
    upload(logged_in_client, first, [("one.pdf", PDF)])
    upload(logged_in_client, second, [("two.pdf", PDF)])
    one, two = (row.storage_name for row in attachments(company, db))
    folder = Path(app.instance_path) / "uploads" / str(company.id)
    assert htmx_post(logged_in_client, f"/people/{first.id}/delete").status_code == 200
    assert (folder / one).exists()  # in the trash: restorable, with its files
    assert purge_trashed_now(company.id) == 1
    assert not (folder / one).exists()
    with tenancy.company_scope(company.id):
        erase_person(db.session.get(type(second), second.id))
        assert (folder / two).exists()  # only once the erasure commits
        db.session.commit()
    assert not (folder / two).exists()
    assert attachments(company, db) == []


def test_filenames_and_types():
    assert clean_filename("..\\..\\boot.ini") == "boot.ini"
    assert clean_filename("a\x00b\u202e.pdf") == "ab.pdf"
    assert clean_filename("   ") == "file"
    assert clean_filename("x" * 300 + ".pdf").endswith(".pdf") and len(clean_filename("x" * 300 + ".pdf")) <= 120
    assert sniff_type(b"\x89PNG\r\n\x1a\n....", "a.png") == "image/png"
    assert sniff_type(b"<svg onload=alert(1)>", "a.svg") == "text/plain"
    assert sniff_type(b"\x00\x01\x02", "a.bin") == "application/octet-stream"
    assert sniff_type(b"PK\x03\x04rest", "report.xlsx").endswith("spreadsheetml.sheet")


def test_deleting_an_organization_removes_the_files_of_its_own_entries(app, logged_in_client, company, db):
    from tests.timeline_helpers import add_organization

    organization = add_organization(company, db)
    data = {"kind": "note", "body": "Org file", "files": [(io.BytesIO(PDF), "org.pdf")]}
    assert htmx_post(logged_in_client, f"/organizations/{organization.id}/activities", data, content_type="multipart/form-data").status_code == 200
    [row] = attachments(company, db)
    path = Path(app.instance_path) / "uploads" / str(company.id) / row.storage_name
    assert path.exists()
    assert htmx_post(logged_in_client, f"/organizations/{organization.id}/delete", {"confirmed": "1"}).status_code == 200
    assert not path.exists() and attachments(company, db) == []

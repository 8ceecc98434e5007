"""Who may import: members and above; read-only users get 403; other companies' imports are 404."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.dataio.models import ImportJob
from crm_platform.testing import make_user
from tests.imports_helpers import dry_run, import_file, job_id_of, load, upload

CSV = "Name,Email\nAda Lovelace,ada@example.com\nBad,not-an-email\n"


def signed_in(app, email):
    client = app.test_client()
    assert client.login(email).status_code == 303
    return client


def test_members_may_import(app, db, company):
    make_user(company, "mo@acme.test", "member")
    client = signed_in(app, "mo@acme.test")
    job = import_file(client, db, company, CSV)
    assert job.created_count == 1


def test_readonly_users_cannot_import_but_see_the_export_buttons(app, db, company, logged_in_client):
    job_id = job_id_of(upload(logged_in_client, CSV))
    make_user(company, "ro@acme.test", "readonly")
    client = signed_in(app, "ro@acme.test")
    assert client.get("/people/import").status_code == 403
    assert client.get(f"/people/imports/{job_id}").status_code == 403
    assert client.get(f"/people/imports/{job_id}/progress").status_code == 403
    assert client.get(f"/people/imports/{job_id}/refused.csv").status_code == 403
    token = client.csrf_token("/people")
    for path in ("/people/import", f"/people/imports/{job_id}/check", f"/people/imports/{job_id}/run",
                 f"/people/imports/{job_id}/delete"):
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path
    page = client.get("/people").get_data(as_text=True)
    assert "Export CSV" in page and "Import people" not in page


def test_another_companys_import_is_404_and_untouched(app, db, company, other_company, logged_in_client):
    job = import_file(logged_in_client, db, company, CSV)
    make_user(other_company, "gus@globex.test", "owner")
    client = signed_in(app, "gus@globex.test")
    for path in (f"/people/imports/{job.id}", f"/people/imports/{job.id}/progress", f"/people/imports/{job.id}/refused.csv"):
        assert client.get(path).status_code == 404, path
    token = client.csrf_token("/people")
    for path in (f"/people/imports/{job.id}/check", f"/people/imports/{job.id}/run", f"/people/imports/{job.id}/delete",
                 f"/people/imports/{job.id}/preview"):
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path
    assert load(db, company, job.id).status == "done"
    assert "ada@example.com" not in client.get("/people/import").get_data(as_text=True)


def test_posts_need_a_csrf_token(logged_in_client, db, company):
    job_id = job_id_of(upload(logged_in_client, CSV))
    assert logged_in_client.post(f"/people/imports/{job_id}/check", data={"col-0": "full_name"}).status_code == 400


def test_files_live_in_the_instance_folder_and_go_when_done_or_discarded(app, db, company, logged_in_client):
    job_id = job_id_of(upload(logged_in_client, CSV))
    stored = Path(app.instance_path) / "imports" / str(company.id) / load(db, company, job_id).stored_name
    assert stored.is_file() and "static" not in stored.parts
    dry_run(logged_in_client, db, company, job_id)
    logged_in_client.post_form(f"/people/imports/{job_id}/run", {"policy": "skip"}, token_from="/people/import")
    assert load(db, company, job_id).status == "done" and not stored.exists()
    other = job_id_of(upload(logged_in_client, CSV))
    stored = Path(app.instance_path) / "imports" / str(company.id) / load(db, company, other).stored_name
    response = logged_in_client.post_form(f"/people/imports/{other}/delete", token_from="/people/import")
    assert response.status_code == 303 and not stored.exists()
    with tenancy.company_scope(company.id):
        assert db.session.scalars(select(ImportJob.id)).all() == [job_id]


def test_uploads_over_the_size_limit_are_refused(make_app, db, company, user):
    small = make_app(MAX_CONTENT_LENGTH=2048)
    client = small.test_client()
    assert client.login(user.email).status_code == 303
    response = upload(client, "Name\n" + "x" * 4096)
    assert response.status_code == 413


def test_a_run_needs_a_dry_run_first(logged_in_client, db, company):
    job_id = job_id_of(upload(logged_in_client, CSV))
    response = logged_in_client.post_form(f"/people/imports/{job_id}/run", {"policy": "skip"}, token_from="/people/import")
    assert response.status_code == 409
    assert load(db, company, job_id).status == "uploaded"

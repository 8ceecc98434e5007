"""Imports refuse bad files and bad rows with clear messages, never a 500 and never silently."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.contacts.models import Person
from crm_platform.dataio.models import ImportRefusal
from tests.imports_helpers import dry_run, import_file, job_id_of, load, upload


def refusals(db, company):
    db.session.expire_all()
    with tenancy.company_scope(company.id):
        return [(r.row_number, r.column, r.reason) for r in
                db.session.scalars(select(ImportRefusal).order_by(ImportRefusal.row_number))]


def names(db, company):
    db.session.expire_all()
    with tenancy.company_scope(company.id):
        return sorted(f"{p.first_name} {p.last_name}".strip() for p in db.session.scalars(select(Person)))


def test_latin1_file_is_detected_and_read(logged_in_client, db, company):
    content = "First name,Last name,Email\nJosé,Müller,jose@example.com\nRenée,Œuvre,renee@example.com\n".encode("cp1252")
    job = import_file(logged_in_client, db, company, content)
    assert job.encoding == "cp1252" and job.created_count == 2
    assert names(db, company) == ["José Müller", "Renée Œuvre"]


def test_utf8_with_bom_is_read(logged_in_client, db, company):
    job = import_file(logged_in_client, db, company, "\ufeffFirst name,Email\nZoë,zoe@example.com\n".encode())
    assert job.headers == ["First name", "Email"] and job.created_count == 1


def test_undecodable_bytes_are_refused_with_a_message(logged_in_client, db, company):
    response = upload(logged_in_client, b"Name,Email\n\x81\x8d\x9d bad,x@example.com\n")
    assert response.status_code == 422
    assert "text encoding is not UTF-8 nor Windows-1252" in response.get_data(as_text=True)


def test_binary_and_unknown_files_are_refused(logged_in_client):
    assert "binary data" in upload(logged_in_client, b"Name\x00\x01\x02\n").get_data(as_text=True)
    response = upload(logged_in_client, b"whatever", "people.pdf")
    assert response.status_code == 422 and "Upload a CSV file" in response.get_data(as_text=True)
    broken = upload(logged_in_client, b"PK\x03\x04 not really a workbook", "people.xlsx")
    assert broken.status_code == 422 and "not a readable XLSX workbook" in broken.get_data(as_text=True)
    assert "The file is empty" in upload(logged_in_client, b"  \n").get_data(as_text=True)


def test_unbalanced_quotes_fail_the_dry_run_with_the_line(logged_in_client, db, company):
    content = 'Name,Email\nAda,ada@example.com\n"Bob, "x" ,bob@example.com\nCyd,cyd@example.com\n'
    job_id = job_id_of(upload(logged_in_client, content))
    assert dry_run(logged_in_client, db, company, job_id).status_code == 303
    job = load(db, company, job_id)
    assert job.status == "failed" and "malformed near line 3" in job.error
    page = logged_in_client.get(f"/people/imports/{job_id}").get_data(as_text=True)
    assert "malformed near line 3" in page and "Which column goes where?" in page  # fix the mapping or upload again
    assert names(db, company) == []


def test_a_quote_left_open_to_the_end_of_the_file_fails_cleanly(logged_in_client, db, company):
    job_id = job_id_of(upload(logged_in_client, 'Name,Email\nAda,ada@example.com\n"Bob,bob@example.com\nCyd,c@example.com\n'))
    dry_run(logged_in_client, db, company, job_id)
    job = load(db, company, job_id)
    assert job.status == "failed" and "malformed" in job.error


def test_ragged_rows_short_ones_are_padded_long_ones_refused(logged_in_client, db, company):
    content = "First name,Last name,Email\nAda,Lovelace\nBob,Ross,bob@example.com,extra,cells\nCyd,Charisse,cyd@example.com,,\n"
    job = import_file(logged_in_client, db, company, content)
    assert (job.created_count, job.refused_count) == (2, 1)
    assert refusals(db, company) == [(3, "", "The row has 5 cells but the header has 3 columns.")]


def test_huge_cells_refuse_the_row_not_truncate(logged_in_client, db, company, app):
    app.config["CRM_IMPORT_MAX_CELL"] = 10_000
    content = f"Name,Email,City\nAda,ada@example.com,{'x' * 10_001}\nBob,bob@example.com,Paris\n"
    job = import_file(logged_in_client, db, company, content)
    assert (job.created_count, job.refused_count) == (1, 1)
    assert refusals(db, company) == [(2, "City", "The cell has 10,001 characters (at most 10,000).")]
    long_title = f"Name,Title\nAda,{'t' * 121}\n"
    job = import_file(logged_in_client, db, company, long_title)
    assert job.refused_count == 1 and "At most 120 characters" in refusals(db, company)[-1][2]


def test_row_limit_fails_the_dry_run(logged_in_client, db, company, app):
    app.config["CRM_IMPORT_MAX_ROWS"] = 3
    content = "Name\n" + "".join(f"P{i}\n" for i in range(5))
    job_id = job_id_of(upload(logged_in_client, content))
    dry_run(logged_in_client, db, company, job_id)
    job = load(db, company, job_id)
    assert job.status == "failed" and "more than 3 rows" in job.error


def test_missing_required_columns_is_a_422_at_the_mapping_step(logged_in_client, db, company):
    job_id = job_id_of(upload(logged_in_client, "Company,City\nAcme,Paris\n"))
    response = dry_run(logged_in_client, db, company, job_id)
    assert response.status_code == 422
    assert "Missing required columns" in response.get_data(as_text=True)
    assert load(db, company, job_id).status == "uploaded"


def test_a_single_field_mapped_twice_is_a_422(logged_in_client, db, company):
    job_id = job_id_of(upload(logged_in_client, "Name,City,Town\nAda,Paris,Lyon\n"))
    response = dry_run(logged_in_client, db, company, job_id, {"Town": "city"})
    assert response.status_code == 422 and "both go into City" in response.get_data(as_text=True)
    bogus = dry_run(logged_in_client, db, company, job_id, {"Town": "password_hash"})
    assert bogus.status_code == 422 and "choose a field from the list" in bogus.get_data(as_text=True)


def test_rows_without_name_or_email_and_invalid_emails_are_refused(logged_in_client, db, company):
    content = "Name,Email,City\n,,Paris\nBob,not-an-email,Rome\nCyd,cyd@example.com,Oslo\n"
    job = import_file(logged_in_client, db, company, content)
    found = refusals(db, company)
    assert job.created_count == 1 and [r[0] for r in found] == [2, 3]
    assert "neither a name nor an email" in found[0][2]
    assert found[1][1] == "Email" and "not a valid email address" in found[1][2]


def test_script_in_names_is_stored_and_shown_escaped(logged_in_client, db, company):
    evil = "<script>alert(1)</script>"
    job = import_file(logged_in_client, db, company, f"First name,Last name,Email\n{evil},Smith,s@example.com\n")
    assert job.created_count == 1
    assert names(db, company) == [f"{evil} Smith"]
    page = logged_in_client.get("/people").get_data(as_text=True)
    assert evil not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("phone", ["12345", "+1 000", "not a phone"])
def test_invalid_phones_are_refused_row_by_row(logged_in_client, db, company, phone):
    content = f"Name,Phone\nAda,+44 20 7946 0958\nBob,{phone}\nCyd,+1 415 555 0123; +1 415 555 0124\n"
    job = import_file(logged_in_client, db, company, content)
    assert (job.created_count, job.refused_count) == (2, 1)
    assert refusals(db, company)[0][:2] == (3, "Phone")
    with tenancy.company_scope(company.id):
        cyd = db.session.scalars(select(Person).where(Person.first_name == "Cyd")).one()
        assert [p.number for p in cyd.phones] == ["+14155550123", "+14155550124"]

"""Importing people from CSV and XLSX: upload, mapping, dry run, the import job, progress, summary."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.contacts.models import Organization, Person, PersonTag, Tag
from crm_platform.customfields.models import CustomFieldValue
from crm_platform.customfields.service import create_field
from crm_platform.dataio.models import ImportRefusal
from tests.imports_helpers import dry_run, import_file, job_id_of, load, run, upload

CSV = (
    "First name,Last name,Email,Phone,Company,Title,City,Tags,Stage\n"
    "Ada,Lovelace,ada@example.com,+44 20 7946 0958,Analytical Engines,Countess,London,vip; math,customer\n"
    "Alan,Turing,alan@example.com,+44 20 7946 0000,Bletchley,Cryptanalyst,Bletchley,math,lead\n"
    "Bad,Phone,bad@example.com,12345,,,,,\n"
)


def people(db, company):
    db.session.expire_all()
    with tenancy.company_scope(company.id):
        return {p.email: p for p in db.session.scalars(select(Person))}


def test_upload_guesses_the_mapping_and_previews_rows(logged_in_client, db, company):
    response = upload(logged_in_client, CSV)
    assert response.status_code == 303
    job_id = job_id_of(response)
    job = load(db, company, job_id)
    assert job.status == "uploaded" and job.delimiter == "," and job.total_rows == 3
    assert job.mapping == ["first_name", "last_name", "email", "phone", "organization", "job_title", "city", "tags",
                           "lifecycle_stage"]
    page = logged_in_client.get(f"/people/imports/{job_id}").get_data(as_text=True)
    assert "Which column goes where?" in page
    assert "ada@example.com" in page and "+442079460958" in page  # the preview shows normalised values
    assert "Refused" in page and "is not a phone number" in page  # row 4 is shown as refused in the preview


def test_dry_run_reports_refused_rows_and_writes_nothing(logged_in_client, db, company):
    job_id = job_id_of(upload(logged_in_client, CSV))
    assert dry_run(logged_in_client, db, company, job_id).status_code == 303
    job = load(db, company, job_id)
    assert (job.status, job.total_rows, job.valid_rows, job.refused_count) == ("checked", 3, 2, 1)
    assert people(db, company) == {}
    with tenancy.company_scope(company.id):
        refusal = db.session.scalars(select(ImportRefusal)).one()
    assert (refusal.row_number, refusal.column) == (4, "Phone")
    assert "is not a phone number" in refusal.reason
    page = logged_in_client.get(f"/people/imports/{job_id}").get_data(as_text=True)
    assert "Dry run: nothing was imported yet" in page and "Import 2 rows" in page


def test_the_import_creates_people_with_details_and_a_summary(logged_in_client, db, company, user):
    job = import_file(logged_in_client, db, company, CSV)
    assert (job.status, job.created_count, job.refused_count, job.rows_done) == ("done", 2, 1, 3)
    found = people(db, company)
    ada = found["ada@example.com"]
    with tenancy.company_scope(company.id):
        assert ada.phone == "+442079460958" and ada.city == "London" and ada.lifecycle_stage == "customer"
        assert ada.organization.name == "Analytical Engines" and ada.job_title == "Countess"
        assert [m.role for m in ada.memberships] == ["Countess"]
        assert sorted(t.name for t in ada.tags) == ["math", "vip"]
        assert ada.owner_id == user.id and ada.source == "import"
        assert db.session.scalar(select(Tag.id).where(Tag.name == "math")) is not None
        assert len(db.session.scalars(select(PersonTag)).all()) == 3
    page = logged_in_client.get(f"/people/imports/{job.id}").get_data(as_text=True)
    assert "Import finished" in page and "Download the refused rows" in page
    events = logged_in_client.get("/settings/audit").get_data(as_text=True)
    assert "people.imported" in events


def test_progress_polls_until_done_then_answers_286(logged_in_client, db, company):
    job_id = job_id_of(upload(logged_in_client, CSV))
    job = load(db, company, job_id)
    with tenancy.company_scope(company.id):
        job.status = "running"
        job.rows_done = 1
        db.session.commit()
    busy = logged_in_client.get(f"/people/imports/{job_id}/progress", headers={"HX-Request": "true"})
    assert busy.status_code == 200 and 'hx-trigger="every 1s"' in busy.get_data(as_text=True)
    assert "<progress" in busy.get_data(as_text=True)
    with tenancy.company_scope(company.id):
        job = load(db, company, job_id)
        job.status = "uploaded"
        db.session.commit()
    assert dry_run(logged_in_client, db, company, job_id).status_code == 303
    assert run(logged_in_client, job_id).status_code == 303
    done = logged_in_client.get(f"/people/imports/{job_id}/progress", headers={"HX-Request": "true"})
    assert done.status_code == 286
    assert "Import finished" in done.get_data(as_text=True)


def test_refused_rows_download_has_the_original_columns_and_a_reason(logged_in_client, db, company):
    content = CSV + "=cmd|' /C calc'!A0,Evil,evil@example.com,+1 000,,,,,\n"
    job = import_file(logged_in_client, db, company, content)
    response = logged_in_client.get(f"/people/imports/{job.id}/refused.csv")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["row", "First name", "Last name", "Email", "Phone", "Company", "Title", "City", "Tags", "Stage",
                       "reason"]
    assert [r[0] for r in rows[1:]] == ["4", "5"]
    assert rows[1][1:3] == ["Bad", "Phone"] and rows[1][-1].startswith("Phone: ")
    assert rows[2][1] == "'=cmd|' /C calc'!A0"  # formula-safe


def test_custom_fields_are_mapped_by_key_and_validated(logged_in_client, db, company):
    with tenancy.company_scope(company.id):
        create_field("person", "Shirt size", "select", options=["S", "M", "L"])
        create_field("person", "Budget", "number")
        db.session.commit()
    content = "Name,Email,shirt_size,Budget\nAda Lovelace,ada@example.com,M,1200\nBob Ross,bob@example.com,XXL,5\n"
    job = import_file(logged_in_client, db, company, content)
    assert (job.created_count, job.refused_count) == (1, 1)
    found = people(db, company)
    assert (found["ada@example.com"].first_name, found["ada@example.com"].last_name) == ("Ada", "Lovelace")
    with tenancy.company_scope(company.id):
        values = sorted(v.value for v in db.session.scalars(select(CustomFieldValue)))
        refusal = db.session.scalars(select(ImportRefusal)).one()
    assert values == ["1200", "M"]
    assert refusal.column == "shirt_size" and "not one of the choices" in refusal.reason


def test_unknown_owner_and_stage_are_refused_known_owner_is_used(logged_in_client, db, company, user):
    content = ("Email,Owner,Stage\n"
               "a@example.com,ADA@acme.test,prospect\n"
               "b@example.com,nobody@else.test,lead\n"
               "c@example.com,,won\n")
    job = import_file(logged_in_client, db, company, content)
    assert (job.created_count, job.refused_count) == (1, 2)
    assert people(db, company)["a@example.com"].owner_id == user.id
    with tenancy.company_scope(company.id):
        reasons = [r.reason for r in db.session.scalars(select(ImportRefusal).order_by(ImportRefusal.row_number))]
    assert "Unknown owner" in reasons[0] and "Unknown stage" in reasons[1]


def test_xlsx_upload_is_imported(logged_in_client, db, company):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Full name", "E-mail", "Mobile", "Organisation", "Since"])
    sheet.append(["Grace Hopper", "grace@example.com", "+1 415 555 0123", "Navy", 1943])
    sheet.append(["Edsger Dijkstra", "edsger@example.com", None, "", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = import_file(logged_in_client, db, company, buffer.getvalue(), "people.xlsx")
    assert (job.file_format, job.created_count, job.refused_count) == ("xlsx", 2, 0)
    grace = people(db, company)["grace@example.com"]
    with tenancy.company_scope(company.id):
        assert (grace.first_name, grace.last_name, grace.phone) == ("Grace", "Hopper", "+14155550123")
        assert db.session.scalar(select(Organization.name)) == "Navy"


def test_phone_region_reads_national_numbers(logged_in_client, db, company):
    job = import_file(logged_in_client, db, company, "Email,Phone\nx@example.com,020 7946 0958\n", region="gb")
    assert job.created_count == 1
    assert people(db, company)["x@example.com"].phone == "+442079460958"


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_are_sniffed(logged_in_client, db, company, delimiter):
    content = f"First name{delimiter}Email\nAda{delimiter}ada@example.com\nBob{delimiter}bob@example.com\n"
    job = import_file(logged_in_client, db, company, content)
    assert (job.delimiter, job.created_count) == (delimiter, 2)

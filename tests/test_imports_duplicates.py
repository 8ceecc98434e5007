"""Duplicates by email or phone, against existing people and earlier rows, under each policy; plugin events."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.contacts.details import EmailEntry, PhoneEntry, set_emails, set_phones
from crm_platform.contacts.models import Person
from crm_platform.contacts.services import create_person
from crm_platform.plugins import hookimpl
from tests.imports_helpers import dry_run, import_file, job_id_of, load, upload

FILE = (
    "First name,Last name,Email,Phone,City,Tags\n"
    "Ada,King,ADA@Example.com,,London,new\n"          # same email as the existing Ada (case differs in the domain)
    "Phone,Twin,,+44 20 7946 0958,Leeds,\n"            # same phone as the existing Ada
    "Bob,Ross,bob@example.com,,Daytona,\n"
    "Bobby,Ross,bob@example.com,,Orlando,painter\n"    # same email as the row above
)


@pytest.fixture()
def existing(db, company):
    with tenancy.company_scope(company.id):
        ada = Person(first_name="Ada", last_name="Lovelace", city="Paris")
        set_emails(ada, [EmailEntry("ada@example.com")])
        set_phones(ada, [PhoneEntry("+44 20 7946 0958")])
        create_person(ada)
        db.session.commit()
        return ada.id


def everybody(db, company) -> list[Person]:
    db.session.expire_all()
    with tenancy.company_scope(company.id):
        return list(db.session.scalars(select(Person).order_by(Person.id)))


def test_dry_run_counts_duplicates_in_the_company_and_in_the_file(logged_in_client, db, company, existing):
    job_id = job_id_of(upload(logged_in_client, FILE))
    dry_run(logged_in_client, db, company, job_id)
    job = load(db, company, job_id)
    assert (job.valid_rows, job.duplicates) == (4, 3)
    page = logged_in_client.get(f"/people/imports/{job_id}").get_data(as_text=True)
    assert "duplicates (same email or phone)" in page and "Skip the row" in page


def test_skip_keeps_existing_people_untouched(logged_in_client, db, company, existing):
    job = import_file(logged_in_client, db, company, FILE, policy="skip")
    assert (job.created_count, job.updated_count, job.skipped_count) == (1, 0, 3)
    people = everybody(db, company)
    assert [(p.first_name, p.city) for p in people] == [("Ada", "Paris"), ("Bob", "Daytona")]


def test_update_merges_rows_into_the_existing_people(logged_in_client, db, company, existing):
    job = import_file(logged_in_client, db, company, FILE, policy="update")
    assert (job.created_count, job.updated_count, job.skipped_count) == (1, 1, 0)
    people = everybody(db, company)
    assert len(people) == 2
    ada, bob = people
    with tenancy.company_scope(company.id):
        assert (ada.id, ada.last_name, ada.city, ada.email) == (existing, "Twin", "Leeds", "ada@example.com")
        assert [t.name for t in ada.tags] == ["new"]
        assert ada.version > 1
        assert (bob.first_name, bob.city, [t.name for t in bob.tags]) == ("Bobby", "Orlando", ["painter"])
        assert [e.email for e in bob.emails] == ["bob@example.com"]


def test_create_makes_new_people_anyway(logged_in_client, db, company, existing):
    job = import_file(logged_in_client, db, company, FILE, policy="create")
    assert (job.created_count, job.updated_count, job.skipped_count) == (4, 0, 0)
    assert len(everybody(db, company)) == 5


def test_update_adds_new_emails_and_phones_to_the_person(logged_in_client, db, company, existing):
    content = "Email,Phone,Company,Title\nada@example.com,+1 415 555 0123,Analytical,Countess\n"
    import_file(logged_in_client, db, company, content, policy="update")
    (ada,) = everybody(db, company)
    with tenancy.company_scope(company.id):
        assert [p.number for p in ada.phones] == ["+442079460958", "+14155550123"]
        assert ada.phone == "+442079460958"
        assert ada.organization.name == "Analytical" and ada.job_title == "Countess"
        assert [(m.organization.name, m.role, m.is_primary) for m in ada.memberships] == [("Analytical", "Countess", True)]


def test_duplicates_across_batches_are_found(logged_in_client, db, company, monkeypatch):
    from crm_platform.dataio import check

    monkeypatch.setattr(check, "BATCH_SIZE", 2)
    content = "Name,Email\nA One,a@example.com\nB Two,b@example.com\nC Three,c@example.com\nA Again,a@example.com\n"
    job = import_file(logged_in_client, db, company, content, policy="skip")
    assert (job.created_count, job.skipped_count, job.rows_done) == (3, 1, 4)


class Recorder:
    """A plugin that records the person events."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    @hookimpl
    def crm_person_created(self, person: Any) -> None:
        assert person.id is not None
        self.events.append(("created", person.first_name))

    @hookimpl
    def crm_person_updated(self, person: Any, changes: dict) -> None:
        self.events.append(("updated", person.id, sorted(changes)))

    @hookimpl
    def crm_organization_created(self, organization: Any) -> None:
        self.events.append(("organization", organization.name))


def test_imports_emit_the_same_plugin_events_as_manual_edits(logged_in_client, db, company, existing, app):
    recorder = Recorder()
    app.extensions["crm"].pm.register(recorder, name="import_recorder")
    try:
        content = "First name,Last name,Email,Company\nAda,Lovelace,ada@example.com,Engines\nNew,Person,n@example.com,Engines\n"
        import_file(logged_in_client, db, company, content, policy="update")
    finally:
        app.extensions["crm"].pm.unregister(recorder)
    assert ("organization", "Engines") in recorder.events
    assert ("created", "New") in recorder.events
    assert ("updated", existing, ["organization_id"]) in recorder.events


class Refuser:
    """A plugin whose hook refuses every new person (raising aborts, as for manual creation)."""

    @hookimpl
    def crm_person_created(self, person: Any) -> None:
        raise ValueError("no new people today")


def test_a_plugin_that_raises_fails_the_import_and_keeps_no_partial_batch(logged_in_client, db, company, app):
    app.extensions["crm"].pm.register(Refuser(), name="import_refuser")
    try:
        job = import_file(logged_in_client, db, company, "Name,Email\nA B,a@example.com\n")
    finally:
        app.extensions["crm"].pm.unregister(name="import_refuser")
    assert job.status == "failed" and "unexpected error" in job.error
    assert everybody(db, company) == []


def test_people_in_the_trash_are_not_duplicates(logged_in_client, db, company, existing):
    from crm_platform.models_base import utcnow

    with tenancy.company_scope(company.id):
        db.session.get(Person, existing).deleted_at = utcnow()
        db.session.commit()
    job = import_file(logged_in_client, db, company, "Name,Email\nAda Again,ada@example.com\n", policy="update")
    assert (job.created_count, job.updated_count) == (1, 0)

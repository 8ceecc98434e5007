"""Finding the people a row duplicates: by email or phone, in the company and earlier in the file."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from crm_platform.contacts.models import Person, PersonEmail, PersonPhone
from crm_platform.extensions import db

Key = tuple[str, str]


def existing_people(keys: Iterable[Key]) -> dict[Key, int]:
    """``{key: person id}`` for the keys that belong to somebody already (two indexed queries).

    Emails are compared case-insensitively on the normalised address; phones in E.164.
    People in the trash do not count (joined through ``Person``, which the trash hides).
    """
    keys = list(keys)
    emails = {value for kind, value in keys if kind == "email"}
    phones = [value for kind, value in keys if kind == "phone"]
    found: dict[Key, int] = {}
    if emails:
        # Stored addresses are normalised like imported ones (domain lower-cased); the
        # local part is matched as typed or in lower case, so the index is used.
        wanted = list(emails)
        stmt = (select(PersonEmail.email, PersonEmail.person_id).join(Person, Person.id == PersonEmail.person_id)
                .where(PersonEmail.email.in_(wanted)))
        for address, person_id in db.session.execute(stmt):
            found.setdefault(("email", address.lower()), person_id)
    if phones:
        stmt = (select(PersonPhone.number, PersonPhone.person_id).join(Person, Person.id == PersonPhone.person_id)
                .where(PersonPhone.number.in_(phones)))
        for number, person_id in db.session.execute(stmt):
            found.setdefault(("phone", number), person_id)
    return found


def variants(keys: Iterable[Key], originals: Iterable[str]) -> list[Key]:
    """The keys plus the emails as typed (stored addresses may keep capitals in the local part)."""
    result = list(keys)
    result += [("email", address) for address in originals if address != address.lower()]
    return result

"""A person's several emails, phones and organizations, and their tags.

``Person.email``, ``Person.phone``, ``Person.organization_id`` and ``Person.job_title``
always mirror the primary entry, so lists, search and plugins can keep reading them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select

from crm_platform.contacts.models import (
    EMAIL_LABELS,
    PHONE_LABELS,
    Organization,
    Person,
    PersonEmail,
    PersonOrganization,
    PersonPhone,
    PersonTag,
    Tag,
)
from crm_platform import company_cache
from crm_platform.contacts.list_rows import ListedTag
from crm_platform.extensions import db

MAX_TAG_LENGTH = 60
MAX_ENTRIES = 20


class DetailError(ValueError):
    """An email, phone, organization or tag that cannot be stored; the message is for the user.

    ``index`` is the position of the offending entry in the list given, when there is one
    (the API answers ``emails[1].email``).
    """

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


@dataclass(frozen=True)
class EmailEntry:
    """An email address with its label, as a form or an import gives it."""

    email: str
    label: str = "work"


@dataclass(frozen=True)
class PhoneEntry:
    """A phone number as typed (any notation) with its label."""

    number: str
    label: str = "mobile"


@dataclass(frozen=True)
class MembershipEntry:
    """An organization a person belongs to, with their role or title there."""

    organization_id: int
    role: str = ""


def normalise_email(raw: str) -> str:
    """A checked, normalised email address (domain lower-cased); raises DetailError."""
    text = (raw or "").strip()
    if len(text) > 254:
        raise DetailError("An email address has at most 254 characters.")
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise DetailError(f"{text[:60]!r} is not a valid email address: {error}") from None


def normalise_phone(raw: str, region: str | None = None) -> str:
    """A phone number in E.164 (``+14155550123``); raises DetailError when it is not valid.

    Numbers without a ``+`` country code are read in ``region`` (an ISO 3166 code).
    """
    text = (raw or "").strip()
    if len(text) > 40:
        raise DetailError("A phone number has at most 40 characters.")
    try:
        parsed = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        hint = "" if text.startswith("+") else " (start it with + and the country code)"
        raise DetailError(f"{text[:40]!r} is not a phone number{hint}.") from None
    if not phonenumbers.is_valid_number(parsed):
        raise DetailError(f"{text[:40]!r} is not a valid phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=16384)
def format_phone(e164: str) -> str:
    """An E.164 number in international notation for display (``+1 415-555-0123``).

    Cached: parsing is the costliest part of rendering a list row, and the result
    depends only on the number (and the phonenumbers metadata, fixed per process).
    """
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def set_emails(person: Person, entries: Sequence[EmailEntry], primary: int = 0) -> None:
    """Replace the person's emails with ``entries`` (validated); ``entries[primary]`` is primary.

    Raises DetailError for an invalid address or label, or the same address twice.
    """
    clean: list[tuple[str, str]] = []
    for index, entry in enumerate(entries[:MAX_ENTRIES]):
        if not entry.email.strip():
            continue
        try:
            address = normalise_email(entry.email)
        except DetailError as error:
            raise DetailError(str(error), index) from None
        if address.lower() in {a.lower() for a, _ in clean}:
            raise DetailError(f"{address} is listed twice.", index)
        clean.append((address, entry.label if entry.label in EMAIL_LABELS else "other"))
    primary = primary if 0 <= primary < len(clean) else 0
    person.emails = [PersonEmail(email=a, label=l, is_primary=i == primary) for i, (a, l) in enumerate(clean)]
    person.email = clean[primary][0] if clean else ""


def set_phones(person: Person, entries: Sequence[PhoneEntry], primary: int = 0, region: str | None = None) -> None:
    """Replace the person's phones with ``entries``, stored in E.164; ``entries[primary]`` is primary.

    Raises DetailError for an invalid number or the same number twice.
    """
    clean: list[tuple[str, str]] = []
    for index, entry in enumerate(entries[:MAX_ENTRIES]):
        if not entry.number.strip():
            continue
        try:
            number = normalise_phone(entry.number, region)
        except DetailError as error:
            raise DetailError(str(error), index) from None
        if number in {n for n, _ in clean}:
            raise DetailError(f"{format_phone(number)} is listed twice.", index)
        clean.append((number, entry.label if entry.label in PHONE_LABELS else "other"))
    primary = primary if 0 <= primary < len(clean) else 0
    person.phones = [PersonPhone(number=n, label=l, is_primary=i == primary) for i, (n, l) in enumerate(clean)]
    person.phone = clean[primary][0] if clean else ""


def set_memberships(person: Person, entries: Sequence[MembershipEntry], primary: int = 0) -> None:
    """Replace the organizations the person belongs to; ``entries[primary]`` is primary.

    Every organization must belong to the current company (others raise DetailError).
    """
    wanted = [entry for entry in entries[:MAX_ENTRIES] if entry.organization_id]
    ids = [entry.organization_id for entry in wanted]
    if len(set(ids)) != len(ids):
        raise DetailError("The same organization is listed twice.")
    known = set(db.session.scalars(select(Organization.id).where(Organization.id.in_(ids)))) if ids else set()
    if set(ids) - known:
        raise DetailError("Choose organizations from the list.")
    primary = primary if 0 <= primary < len(wanted) else 0
    existing = {m.organization_id: m for m in person.memberships}
    memberships = []
    for index, entry in enumerate(wanted):
        membership = existing.get(entry.organization_id) or PersonOrganization(organization_id=entry.organization_id)
        membership.role = entry.role.strip()[:120]
        membership.is_primary = index == primary
        memberships.append(membership)
    person.memberships = memberships
    person.organization_id = wanted[primary].organization_id if wanted else None
    person.job_title = wanted[primary].role.strip()[:120] if wanted else ""
    if person.organization is not None and person.organization.id != person.organization_id:
        person.organization = db.session.get(Organization, person.organization_id) if person.organization_id else None


def sync_primary_membership(person: Person) -> None:
    """Make the memberships agree with ``Person.organization_id`` and ``job_title``.

    For code that sets the primary organization directly (older forms, imports,
    plugins): the primary membership is created or updated, the others kept.
    """
    memberships = list(person.memberships)
    for membership in memberships:
        membership.is_primary = membership.organization_id == person.organization_id
        if membership.is_primary:
            membership.role = person.job_title or ""
    if person.organization_id and all(m.organization_id != person.organization_id for m in memberships):
        memberships.insert(0, PersonOrganization(organization_id=person.organization_id, role=person.job_title or "",
                                                 is_primary=True))
    person.memberships = memberships


def sync_primary_contacts(person: Person) -> None:
    """Make the email and phone lists agree with ``Person.email`` and ``Person.phone``.

    The primary entry takes the column's value (added when missing); other entries stay.
    """
    for column, rows, factory, attr in (
        ("email", list(person.emails), PersonEmail, "email"),
        ("phone", list(person.phones), PersonPhone, "number"),
    ):
        value = getattr(person, column) or ""
        matched = False
        for row in rows:
            row.is_primary = bool(value) and getattr(row, attr) == value and not matched
            matched = matched or row.is_primary
        if value and not matched:
            rows.insert(0, factory(**{attr: value, "is_primary": True}))
        setattr(person, "emails" if column == "email" else "phones", rows)


def clean_tag_names(names: Iterable[str]) -> list[str]:
    """Tag names trimmed, without blanks or duplicates (case-insensitive), at most 60 characters."""
    seen: dict[str, str] = {}
    for name in names:
        name = " ".join(str(name).split())[:MAX_TAG_LENGTH]
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return list(seen.values())


def get_or_create_tags(names: Iterable[str]) -> list[Tag]:
    """The current company's tags with these names, creating the missing ones."""
    wanted = clean_tag_names(names)
    if not wanted:
        return []
    lowered = [name.lower() for name in wanted]
    existing = {tag.name.lower(): tag for tag in db.session.scalars(select(Tag).where(func.lower(Tag.name).in_(lowered)))}
    tags = []
    for name in wanted:
        tag = existing.get(name.lower())
        if tag is None:
            tag = Tag(name=name)
            db.session.add(tag)
            existing[name.lower()] = tag
        tags.append(tag)
    db.session.flush()
    return tags


def set_tags(person: Person, names: Iterable[str]) -> None:
    """Give the person exactly these tags (created when new)."""
    tags = get_or_create_tags(names)
    db.session.flush()
    db.session.execute(delete(PersonTag).where(PersonTag.person_id == person.id).execution_options(synchronize_session=False))
    for tag in tags:
        db.session.add(PersonTag(person_id=person.id, tag_id=tag.id))
    db.session.flush()
    db.session.expire(person, ["tags"])


def add_tags(person_ids: Sequence[int], names: Iterable[str]) -> int:
    """Add tags to many people at once (bulk action); returns how many links were added."""
    tags = get_or_create_tags(names)
    if not tags or not person_ids:
        return 0
    rows = db.session.execute(
        select(PersonTag.person_id, PersonTag.tag_id).where(PersonTag.person_id.in_(list(person_ids)),
                                                             PersonTag.tag_id.in_([t.id for t in tags]))
    )
    existing = {(person_id, tag_id) for person_id, tag_id in rows}
    added = 0
    for person_id in person_ids:
        for tag in tags:
            if (person_id, tag.id) not in existing:
                db.session.add(PersonTag(person_id=person_id, tag_id=tag.id))
                added += 1
    db.session.flush()
    return added


def all_tags() -> list[ListedTag]:
    """Every tag of the current company (id and name), by name; kept by the process until a tag changes."""
    def load() -> tuple[ListedTag, ...]:
        rows = db.session.execute(select(Tag.id, Tag.name).order_by(func.lower(Tag.name), Tag.id))
        return tuple(ListedTag(tag_id, name) for tag_id, name in rows)

    return list(company_cache.cached("tags", None, load))

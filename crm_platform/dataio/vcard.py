"""A person as a vCard 4.0 (RFC 6350), written with ``vobject`` (which escapes every value)."""

from __future__ import annotations

import vobject

from crm_platform.contacts.models import Person

PHONE_TYPES = {"mobile": "cell", "work": "work", "home": "home"}


def vcard_text(person: Person) -> str:
    """The vCard of ``person``: name, every email and phone, organization, title, address, URL, tags as a note."""
    card = vobject.vCard()
    card.add("version").value = "4.0"
    card.add("fn").value = person.full_name
    card.add("n").value = vobject.vcard.Name(family=person.last_name or "", given=person.first_name or "")
    for email in person.emails or []:
        entry = card.add("email")
        entry.value = email.email
        entry.type_param = email.label if email.label in ("work", "home") else "other"
        if email.is_primary:
            entry.params["PREF"] = ["1"]
    for phone in person.phones or []:
        entry = card.add("tel")
        entry.value = phone.number
        entry.params["VALUE"] = ["text"]
        entry.type_param = PHONE_TYPES.get(phone.label, "voice")
        if phone.is_primary:
            entry.params["PREF"] = ["1"]
    if person.organization is not None:
        card.add("org").value = [person.organization.name]
    if person.job_title:
        card.add("title").value = person.job_title
    if any((person.street, person.postal_code, person.city, person.region, person.country)):
        card.add("adr").value = vobject.vcard.Address(
            street=person.street or "", city=person.city or "", region=person.region or "",
            code=person.postal_code or "", country=person.country or "",
        )
    if person.website:
        card.add("url").value = person.website
    tags = [tag.name for tag in person.tags]
    if tags:
        card.add("categories").value = tags
        card.add("note").value = "Tags: " + ", ".join(tags)
    card.add("uid").value = f"urn:crm:person:{person.company_id}:{person.id}"
    return card.serialize()


def vcard_filename(person: Person) -> str:
    """A download name made of safe characters (``ada-lovelace.vcf``)."""
    stem = "-".join("".join(c for c in part if c.isalnum()) for part in person.full_name.lower().split())
    return f"{stem.strip('-')[:60] or 'person-' + str(person.id)}.vcf"

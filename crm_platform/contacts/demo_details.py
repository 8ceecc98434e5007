"""Demo contact details: several emails and E.164 phones, second organizations, addresses,
websites, social handles, sources, tags and two custom fields with values.

Phone numbers start from phonenumbers' example number of the person's country and get
random last digits, kept only when phonenumbers says the result is a valid number.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import phonenumbers

from crm_platform.contacts.details import EmailEntry, MembershipEntry, PhoneEntry, set_emails, set_memberships, set_phones
from crm_platform.contacts.models import Organization, Person, PersonTag, Tag
from crm_platform.customfields.models import CustomField, CustomFieldValue
from crm_platform.customfields.service import create_field, fields_for
from crm_platform.extensions import db

REGIONS: dict[str, str] = {
    "United States": "US", "United Kingdom": "GB", "Germany": "DE", "France": "FR", "Netherlands": "NL",
    "Ireland": "IE", "Canada": "CA", "Spain": "ES", "Italy": "IT", "Sweden": "SE", "Australia": "AU",
}
SOURCES = (("Website", 30), ("Referral", 20), ("Trade fair", 12), ("LinkedIn", 14), ("Newsletter", 8),
           ("Partner", 8), ("Cold call", 5), ("Event", 3))
TAGS = ("vip", "newsletter", "partner", "decision-maker", "event-2026", "beta-tester", "renewal-risk")
SECOND_ROLES = ("Advisor", "Board member", "Consultant", "Investor", "Mentor")
SEGMENT = ("Industry segment", ("SMB", "Mid-market", "Enterprise", "Public sector"))
RENEWAL = "Contract renewal"


def demo_phone(rng: Any, region: str, kind: Any = phonenumbers.PhoneNumberType.MOBILE) -> str:
    """A valid E.164 number of ``region``: its example number with random last digits."""
    example = phonenumbers.example_number_for_type(region, kind) or phonenumbers.example_number(region)
    national = str(example.national_number)
    for _ in range(20):
        digits = national[:-4] + "".join(str(rng.randint(0, 9)) for _ in range(4))
        candidate = phonenumbers.parse(f"+{example.country_code}{digits}", None)
        if phonenumbers.is_valid_number(candidate):
            return phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def _handle(first: str, last: str, rng: Any) -> str:
    from crm_platform.contacts.demo import _local_part

    return _local_part(first, last).replace(".", "-") + (f"-{rng.randint(10, 99)}" if rng.random() < 0.4 else "")


def add_details(faker: Any, rng: Any, person: Person, organization: Organization | None,
                organizations: list[Organization], email: str) -> None:
    """Give a demo person their emails, phones, organizations, address, web presence and source."""
    from crm_platform.contacts.demo import _local_part, _weighted

    country = organization.country if organization else rng.choice(tuple(REGIONS))
    region = REGIONS.get(country, "US")
    emails = [EmailEntry(email, "work")]
    if rng.random() < 0.3:
        home = rng.choice([d for d in ("example.net", "example.org", "example.com") if not email.endswith("@" + d)])
        emails.append(EmailEntry(f"{_local_part(person.first_name, person.last_name)}@{home}", "home"))
    set_emails(person, emails, 0)
    phones = [PhoneEntry(demo_phone(rng, region), "mobile")]
    if rng.random() < 0.3:
        phones.append(PhoneEntry(demo_phone(rng, region, phonenumbers.PhoneNumberType.FIXED_LINE), "work"))
    set_phones(person, phones, 0)
    if organization is not None:
        entries = [MembershipEntry(organization.id, person.job_title)]
        if rng.random() < 0.12:
            other = rng.choice(organizations)
            if other.id != organization.id:
                entries.append(MembershipEntry(other.id, rng.choice(SECOND_ROLES)))
        set_memberships(person, entries, 0)
    person.street = faker.street_address()[:200]
    person.postal_code = faker.postcode()[:20]
    person.city = organization.city if organization else faker.city()
    person.region = faker.state() if region == "US" else ""
    person.country = country
    if rng.random() < 0.15:
        person.website = f"https://{_local_part(person.first_name, person.last_name).replace('.', '')}.example"
    social = {}
    if rng.random() < 0.65:
        social["linkedin"] = _handle(person.first_name, person.last_name, rng)
    if rng.random() < 0.25:
        social["x"] = _handle(person.first_name, person.last_name, rng).replace("-", "_")[:15]
    if rng.random() < 0.1:
        social["github"] = _handle(person.first_name, person.last_name, rng)
    person.social = social
    person.source = _weighted(rng, SOURCES)


def add_tags_and_custom_values(rng: Any, people: list[Person]) -> None:
    """Tag about half the people and fill the two demo custom fields (created when missing)."""
    tags = {name: Tag(name=name) for name in TAGS}
    db.session.add_all(tags.values())
    db.session.flush()
    for person in people:
        for name in rng.sample(TAGS, k=rng.choice((0, 0, 1, 1, 2, 3))):
            db.session.add(PersonTag(person_id=person.id, tag_id=tags[name].id))
    segment, renewal = demo_fields()
    today = date.today()
    for person in people:
        if rng.random() < 0.7:
            db.session.add(CustomFieldValue(field_id=segment.id, entity_id=person.id, value=rng.choice(segment.options)))
        if person.lifecycle_stage == "customer":
            day = today + timedelta(days=rng.randint(10, 400))
            db.session.add(CustomFieldValue(field_id=renewal.id, entity_id=person.id, value=day.isoformat(), date_value=day))


def demo_fields() -> tuple[CustomField, CustomField]:
    """The "Industry segment" select and "Contract renewal" date fields of people."""
    existing = {field.key: field for field in fields_for("person")}
    segment = existing.get("industry_segment") or create_field("person", SEGMENT[0], "select", SEGMENT[1])
    renewal = existing.get("contract_renewal") or create_field("person", RENEWAL, "date")
    return segment, renewal

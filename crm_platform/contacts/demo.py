"""Demo records for the contacts module: organizations, people and a lived-in timeline.

Everything comes from the seeded ``faker`` (names, and ``faker.random`` for every
choice), so the same seed gives the same data. Email addresses and websites use the
reserved ``.example`` domain: demo data never points at somebody's real mailbox.
Every person has E.164 phones, emails, memberships, an address, a source, and some have
tags, social handles and values of two demo custom fields (see ``demo_details``).
Rows are added in bulk to the session; the caller commits once.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

from crm_platform.contacts import services
from crm_platform.contacts.demo_details import add_details, add_tags_and_custom_values
from crm_platform.contacts.models import Activity, Organization, Person
from crm_platform.extensions import db

ORGANIZATIONS = 50
PEOPLE = 200
ACTIVITIES = 600
TIMELINE_DAYS = 182

INDUSTRIES = (
    "Software", "Manufacturing", "Logistics", "Retail", "Healthcare", "Financial services", "Construction",
    "Education", "Hospitality", "Energy", "Marketing agency", "Legal services", "Food & beverage", "Real estate",
)
INTERNATIONAL_CITIES = (
    ("London", "United Kingdom"), ("Manchester", "United Kingdom"), ("Berlin", "Germany"), ("Munich", "Germany"),
    ("Paris", "France"), ("Lyon", "France"), ("Amsterdam", "Netherlands"), ("Dublin", "Ireland"),
    ("Toronto", "Canada"), ("Madrid", "Spain"), ("Milan", "Italy"), ("Stockholm", "Sweden"), ("Sydney", "Australia"),
)
JOB_TITLES = (
    "CEO", "Founder", "Managing Director", "COO", "CFO", "CTO", "Head of Sales", "Sales Manager",
    "Account Executive", "Procurement Manager", "Purchasing Lead", "Operations Manager", "Office Manager",
    "Marketing Director", "Marketing Manager", "IT Manager", "Head of Engineering", "Product Manager",
    "Finance Manager", "HR Director", "Customer Success Lead", "Project Manager", "Partner",
)
STAGE_WEIGHTS = (("lead", 35), ("prospect", 25), ("customer", 30), ("churned", 10))
KIND_WEIGHTS = (("note", 35), ("call", 25), ("meeting", 15), ("email", 20), ("task", 5))
PRODUCTS = ("annual plan", "support contract", "onboarding package", "enterprise licence", "pilot", "renewal", "upgrade")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")

TEMPLATES: dict[str, tuple[str, ...]] = {
    "note": (
        "{first} mentioned budget is approved for Q{quarter}. Follow up on the {product}.",
        "Prefers email over calls. Decision maker is the {title2}.",
        "Competitor quote came in about {pct}% lower; {first} still likes our support.",
        "Met {first} at the trade fair. Interested in the {product}, send the case study.",
        "Asked for references from another {industry} customer.",
        "Internal: keep {first} in the loop on the {product} pricing change.",
    ),
    "call": (
        "Called {first} about the {product}. They want a proposal by {weekday}.",
        "Quick call: {first} is comparing three vendors, decision expected in {weeks} weeks.",
        "Left a voicemail for {first}; will try again on {weekday}.",
        "Discovery call with {first}. Pain points: reporting and slow onboarding.",
        "{first} called back: legal is reviewing the contract, no blockers so far.",
    ),
    "meeting": (
        "Demo with {first} and two colleagues from {org}. Good questions about integrations.",
        "Quarterly review with {first}: usage up {pct}%, discussed the {product}.",
        "Lunch meeting with {first}. They are restructuring the team in Q{quarter}.",
        "On-site workshop at {org}. Next step: pilot with {seats} seats.",
    ),
    "email": (
        "Sent the proposal for the {product} to {first}.",
        "Emailed {first} the pricing sheet and the security questionnaire.",
        "{first} replied: wants to start after the {weekday} board meeting.",
        "Sent a thank-you note and the meeting summary to {first}.",
    ),
    "task": (
        "Prepare the renewal quote for {org} before {weekday}.",
        "Send {first} the onboarding checklist.",
        "Book a follow-up meeting with {first} in {weeks} weeks.",
    ),
}


def domain_for(name: str) -> str:
    """A reserved demo domain derived from an organization's name, e.g. ``smithjones.example``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", ascii_name) if w and w not in ("and", "ltd", "inc", "llc", "plc", "group")]
    return ("".join(words)[:40] or "company") + ".example"


def _local_part(first: str, last: str) -> str:
    text = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9.]+", "", text).strip(".") or "contact"


def _weighted(rng: Any, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _ in pairs], weights=[weight for _, weight in pairs])[0]


def _organizations(faker: Any, rng: Any, now: datetime) -> list[Organization]:
    names: set[str] = set()
    organizations = []
    while len(organizations) < ORGANIZATIONS:
        name = faker.company()
        if name in names:
            continue
        names.add(name)
        if rng.random() < 0.6:
            city, country = faker.city(), "United States"
        else:
            city, country = rng.choice(INTERNATIONAL_CITIES)
        created = now - timedelta(days=rng.randint(TIMELINE_DAYS, 720), minutes=rng.randint(0, 1440))
        organizations.append(
            Organization(
                name=name[:200], website=f"https://www.{domain_for(name)}", industry=rng.choice(INDUSTRIES),
                city=city, country=country, created_at=created, updated_at=created,
            )
        )
    return organizations


def _people(faker: Any, rng: Any, now: datetime, organizations: list[Organization], owners: list[int | None]) -> list[Person]:
    people = []
    used: set[str] = set()
    for _ in range(PEOPLE):
        first, last = faker.first_name(), faker.last_name()
        organization = rng.choice(organizations) if rng.random() < 0.85 else None
        domain = domain_for(organization.name) if organization else rng.choice(("example.com", "example.net", "example.org"))
        email = f"{_local_part(first, last)}@{domain}"
        if email in used:
            email = f"{_local_part(first, last)}{rng.randint(2, 99)}@{domain}"
        used.add(email)
        created = now - timedelta(days=rng.randint(TIMELINE_DAYS, 540), minutes=rng.randint(0, 1440))
        person = Person(
            first_name=first, last_name=last, job_title=rng.choice(JOB_TITLES),
            lifecycle_stage=_weighted(rng, STAGE_WEIGHTS), organization=organization, owner_id=rng.choice(owners),
            created_at=created, updated_at=created,
        )
        with db.session.no_autoflush:
            add_details(faker, rng, person, organization, organizations, email)
        people.append(person)
    return people


def _activity_text(rng: Any, kind: str, person: Person | None, organization: Organization | None) -> str:
    template = rng.choice(TEMPLATES[kind])
    return template.format(
        first=person.first_name if person else "the team",
        org=organization.name if organization else "their office",
        industry=(organization.industry if organization else "their industry").lower(),
        product=rng.choice(PRODUCTS), weekday=rng.choice(WEEKDAYS), quarter=rng.randint(1, 4),
        pct=rng.choice((5, 10, 12, 15, 20, 25, 30)), weeks=rng.randint(2, 6), seats=rng.choice((10, 25, 50, 100)),
        title2=rng.choice(JOB_TITLES),
    )


def _activities(rng: Any, now: datetime, people: list[Person], organizations: list[Organization], authors: list[int | None]) -> list[Activity]:
    activities = []
    for _ in range(ACTIVITIES):
        if rng.random() < 0.85:
            person = rng.choice(people)
            organization = person.organization
        else:
            person, organization = None, rng.choice(organizations)
        kind = _weighted(rng, KIND_WEIGHTS)
        created = now - timedelta(seconds=rng.randint(600, TIMELINE_DAYS * 86400))
        activities.append(
            Activity(
                kind=kind, body=_activity_text(rng, kind, person, organization), person=person,
                organization=organization, author_id=rng.choice(authors), created_at=created,
            )
        )
    return activities


def load(company: Any, faker: Any) -> None:
    """Add the demo organizations, people and activities of ``company`` (in its scope)."""
    rng = faker.random
    now = datetime.now(UTC)
    members: list[int | None] = list(services.member_ids()) or [None]
    organizations = _organizations(faker, rng, now)
    db.session.add_all(organizations)
    db.session.flush()  # memberships need the organizations' ids
    people = _people(faker, rng, now, organizations, members)
    activities = _activities(rng, now, people, organizations, members)
    db.session.add_all(people)
    db.session.add_all(activities)
    db.session.flush()
    add_tags_and_custom_values(rng, people)
    db.session.flush()

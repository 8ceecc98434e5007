"""Find likely duplicate people: the same email, the same phone, or a similar name at the same organization.

Each rule is one grouped query over an indexed child table, bounded by a limit, so the
finder stays usable on large companies; pairs a user dismissed are left out.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, selectinload

from crm_platform.contacts.models import Organization, Person, PersonEmail, PersonOrganization, PersonPhone
from crm_platform.duplicates.models import DuplicateDismissal
from crm_platform.extensions import db

MAX_PAIRS = 200
MAX_GROUP = 20
NAME_SIMILARITY = 0.8


@dataclass
class DuplicatePair:
    """Two people who are probably the same, and why (``reasons``)."""

    low: Person
    high: Person
    reasons: list[str] = field(default_factory=list)


def _pairs_from_groups(groups: Iterable[list[int]]) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for ids in groups:
        ids = sorted(set(ids))[:MAX_GROUP]
        pairs.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1:])
    return pairs


def _grouped(column, person_column, limit: int) -> dict[str, list[int]]:
    """``{value: [person ids]}`` for values held by more than one person.

    Joined to ``person`` so that the trash scope leaves out trashed people before the
    limit is applied (a trashed twin never takes the place of a real pair).
    """
    key = func.lower(column)
    live = Person.id == person_column
    shared = (select(key.label("value")).join(Person, live).group_by(key)
              .having(func.count(func.distinct(person_column)) > 1).limit(limit))
    rows = db.session.execute(select(key, person_column).join(Person, live).where(key.in_(shared)))
    groups: dict[str, list[int]] = {}
    for value, person_id in rows:
        groups.setdefault(value, []).append(person_id)
    return groups


def _similar(a: Person, b: Person) -> bool:
    left, right = a.full_name.lower(), b.full_name.lower()
    if not left.strip() or not right.strip():
        return False
    same_last = a.last_name.strip().lower() == b.last_name.strip().lower() and a.last_name.strip()
    initials = a.first_name[:1].lower() == b.first_name[:1].lower()
    return bool(same_last and initials) or difflib.SequenceMatcher(None, left, right).ratio() >= NAME_SIMILARITY


def _name_pairs(limit: int) -> dict[tuple[int, int], str]:
    """People at the same organization whose names look alike."""
    mine, theirs = aliased(PersonOrganization), aliased(PersonOrganization)
    stmt = (
        select(mine.person_id, theirs.person_id, Organization.name)
        .join(theirs, (theirs.organization_id == mine.organization_id) & (theirs.person_id > mine.person_id))
        .join(Organization, Organization.id == mine.organization_id)
        .limit(limit * 20)
    )
    candidates = list(db.session.execute(stmt))
    people = {p.id: p for p in db.session.scalars(
        select(Person).where(Person.id.in_({a for a, _, _ in candidates} | {b for _, b, _ in candidates})))}
    found: dict[tuple[int, int], str] = {}
    for a, b, org_name in candidates:
        if a in people and b in people and _similar(people[a], people[b]):
            found[(a, b)] = f"similar name at {org_name}"
        if len(found) >= limit:
            break
    return found


def find_duplicates(limit: int = MAX_PAIRS) -> list[DuplicatePair]:
    """Likely duplicate pairs of the current company, strongest evidence first, at most ``limit``."""
    reasons: dict[tuple[int, int], list[str]] = {}
    for label, groups in (
        ("same email", _grouped(PersonEmail.email, PersonEmail.person_id, limit)),
        ("same phone", _grouped(PersonPhone.number, PersonPhone.person_id, limit)),
    ):
        for value, ids in groups.items():
            for pair in _pairs_from_groups([ids]):
                reasons.setdefault(pair, []).append(f"{label} {value}")
    for pair, reason in _name_pairs(limit).items():
        reasons.setdefault(pair, []).append(reason)
    dismissed = set(db.session.execute(select(DuplicateDismissal.low_person_id, DuplicateDismissal.high_person_id))
                    .all()) if reasons else set()
    wanted = sorted((pair for pair in reasons if tuple(pair) not in dismissed),
                    key=lambda pair: (-len(reasons[pair]), pair))[:limit]
    ids = {i for pair in wanted for i in pair}
    people = {p.id: p for p in db.session.scalars(
        select(Person).where(Person.id.in_(ids)).options(selectinload(Person.emails), selectinload(Person.phones)))}
    return [DuplicatePair(people[a], people[b], reasons[(a, b)]) for a, b in wanted if a in people and b in people]


def duplicates_of(person: Person, limit: int = 10) -> list[Person]:
    """Other people sharing an email or phone with ``person`` (for the merge picker)."""
    emails = [e.email.lower() for e in person.emails] or ([person.email.lower()] if person.email else [])
    phones = [p.number for p in person.phones] or ([person.phone] if person.phone else [])
    ids: set[int] = set()
    if emails:
        ids |= set(db.session.scalars(select(PersonEmail.person_id).where(func.lower(PersonEmail.email).in_(emails))))
    if phones:
        ids |= set(db.session.scalars(select(PersonPhone.person_id).where(PersonPhone.number.in_(phones))))
    ids.discard(person.id)
    if not ids:
        return []
    # The limit after the trash scope: trashed people sharing an address never crowd out live ones.
    return list(db.session.scalars(select(Person).where(Person.id.in_(sorted(ids))).order_by(Person.id).limit(limit)))


def dismiss(a: Person, b: Person, user_id: int | None) -> None:
    """Remember that ``a`` and ``b`` are different people."""
    low, high = sorted((a.id, b.id))
    exists = db.session.scalar(select(DuplicateDismissal.id).where(
        DuplicateDismissal.low_person_id == low, DuplicateDismissal.high_person_id == high))
    if exists is None:
        db.session.add(DuplicateDismissal(low_person_id=low, high_person_id=high, dismissed_by_id=user_id))

"""Seed the contacts data model's tables for the bench: emails, phones, memberships, tags,
custom fields and the search documents (Core executemany batches, like bench/seed.py).

- ``person_email``: every person's primary address, a second (home) address for 20 %;
- ``person_phone``: every person's primary number, in E.164;
- ``person_organization``: the primary membership of people in an organization, a second
  organization for 10 % of them;
- 8 tags (``vip`` on ~5 % of people, 0–2 tags each);
- custom fields ``plan`` (select, 60 % of people) and ``seats`` (number, 40 %);
- one search document per person (the FTS5 triggers or the GIN index follow).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

TAGS = ("vip", "newsletter", "partner", "event-2026", "churn-risk", "beta", "enterprise", "smb")
PLANS = ("Free", "Team", "Business", "Enterprise")
BATCH = 10_000

Log = Callable[[str], None]


def e164(phone: str) -> str:
    """The bench's ``+1-415-555-0123`` numbers as E.164 (``+14155550123``)."""
    return "+" + re.sub(r"\D", "", phone)


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(conn: Any, table: sa.Table, rows: Iterator[dict[str, Any]]) -> int:
    done = 0
    for batch in _chunks(rows):
        conn.execute(table.insert(), batch)
        done += len(batch)
    conn.commit()
    return done


def seed_contacts(conn: Any, tables: Any, company_id: int, people: list[tuple[int, dict[str, Any]]],
                  org_ids: list[int], org_names: list[str], log: Log) -> dict[str, int]:
    """Fill the child tables and the search index for ``people`` (``(id, row)`` as inserted)."""
    from crm_platform.contacts.search_index import build_document, copy_search_words, person_search

    rng = random.Random(7)
    now = datetime.now(UTC)
    org_name = dict(zip(org_ids, org_names, strict=True))
    second_org: dict[int, int] = {}
    for pid, row in people:
        if row["organization_id"] is not None and rng.random() < 0.10:
            other = rng.choice(org_ids)
            if other != row["organization_id"]:
                second_org[pid] = other
    home = {pid: f"{row['first_name'][:1].lower()}{pid}@home.example" for pid, row in people if rng.random() < 0.20}

    def emails() -> Iterator[dict[str, Any]]:
        for pid, row in people:
            yield dict(company_id=company_id, person_id=pid, email=row["email"], label="work", is_primary=True)
            if pid in home:
                yield dict(company_id=company_id, person_id=pid, email=home[pid], label="home", is_primary=False)

    def phones() -> Iterator[dict[str, Any]]:
        for pid, row in people:
            yield dict(company_id=company_id, person_id=pid, number=row["phone"], label="work", is_primary=True)

    def memberships() -> Iterator[dict[str, Any]]:
        for pid, row in people:
            if row["organization_id"] is not None:
                yield dict(company_id=company_id, person_id=pid, organization_id=row["organization_id"],
                           role=row["job_title"], is_primary=True)
            if pid in second_org:
                yield dict(company_id=company_id, person_id=pid, organization_id=second_org[pid], role="Advisor",
                           is_primary=False)

    counts = {
        "person_email": _insert(conn, tables["person_email"], emails()),
        "person_phone": _insert(conn, tables["person_phone"], phones()),
        "person_organization": _insert(conn, tables["person_organization"], memberships()),
    }
    tag_table = tables["tag"]
    conn.execute(tag_table.insert(), [dict(company_id=company_id, name=name, created_at=now) for name in TAGS])
    tag_ids = dict(conn.execute(sa.select(tag_table.c.name, tag_table.c.id).where(tag_table.c.company_id == company_id)).all())

    def person_tags() -> Iterator[dict[str, Any]]:
        for pid, _row in people:
            chosen = set()
            if rng.random() < 0.05:
                chosen.add("vip")
            for _ in range(rng.choice((0, 0, 1, 1, 2))):
                chosen.add(rng.choice(TAGS[1:]))
            for name in chosen:
                yield dict(company_id=company_id, person_id=pid, tag_id=tag_ids[name])

    counts["person_tag"] = _insert(conn, tables["person_tag"], person_tags())
    fields = tables["custom_field"]
    conn.execute(fields.insert(), [
        dict(company_id=company_id, entity="person", key="plan", label="Plan", field_type="select", options=list(PLANS),
             required=False, position=1, created_at=now),
        dict(company_id=company_id, entity="person", key="seats", label="Seats", field_type="number", options=[],
             required=False, position=2, created_at=now),
    ])
    field_ids = dict(conn.execute(sa.select(fields.c.key, fields.c.id).where(fields.c.company_id == company_id)).all())

    def values() -> Iterator[dict[str, Any]]:
        for pid, _row in people:
            if rng.random() < 0.60:
                yield dict(company_id=company_id, field_id=field_ids["plan"], entity_id=pid, value=rng.choice(PLANS),
                           number_value=None, date_value=None)
            if rng.random() < 0.40:
                seats = rng.choice((1, 5, 10, 25, 50, 100, 250))
                yield dict(company_id=company_id, field_id=field_ids["seats"], entity_id=pid, value=str(seats),
                           number_value=Decimal(seats), date_value=None)

    counts["custom_field_value"] = _insert(conn, tables["custom_field_value"], values())

    def documents() -> Iterator[dict[str, Any]]:
        for pid, row in people:
            orgs = [org_name.get(row["organization_id"], ""), org_name.get(second_org.get(pid), "")]
            mails = [row["email"], home.get(pid, "")]
            yield dict(person_id=pid, company_id=company_id,
                       document=build_document(row["first_name"], row["last_name"], mails, [row["phone"]], orgs))

    counts["person_search"] = _insert(conn, person_search, documents())
    copy_search_words(conn, company_id)  # the copy a search in name order reads (migration 0016)
    conn.commit()
    log("  contacts: " + ", ".join(f"{name} {count:,}" for name, count in counts.items()))
    return counts

"""Full-text search over people: one denormalised search document per person.

``person_search.document`` holds the words a person is found by: first and last name,
every email address, every phone number (E.164 digits and the national number) and
the names of every organization they belong to, lower-cased and without accents.

The database indexes the document natively:

- **SQLite**: an FTS5 table ``person_search_fts`` with external content
  (``content='person_search'``), kept in sync by triggers on ``person_search``;
- **PostgreSQL**: a GIN index on ``to_tsvector('simple', document)``.

Both are created by migration ``0008_people_search_views`` only (they are not in the
models; :data:`SEARCH_INDEX_OBJECTS` names them for schema comparisons).

The documents are kept up to date in **one place**: an ``after_flush`` listener on
the session (:func:`install`) that re-builds the document of every person whose
name, emails, phones or memberships changed, and of every member of a renamed
organization. Code that changes these rows with bulk Core statements (importers,
merges) calls :func:`reindex_people` itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import phonenumbers
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from crm_platform.contacts.models import Organization, Person, PersonEmail, PersonOrganization, PersonPhone
from crm_platform.extensions import db

MAX_TERMS = 8
MAX_TERM_LENGTH = 60
FTS_TABLE = "person_search_fts"
PG_INDEX = "ix_person_search_document_tsv"
# Objects the migration creates outside the models (FTS5 table and its shadow tables,
# the PostgreSQL expression index, the owner sort expression index).
SEARCH_INDEX_OBJECTS: frozenset[str] = frozenset({
    FTS_TABLE, f"{FTS_TABLE}_data", f"{FTS_TABLE}_idx", f"{FTS_TABLE}_docsize", f"{FTS_TABLE}_config",
    f"{FTS_TABLE}_content", PG_INDEX, "ix_person_company_owner_sort",
    # The name sort index: on SQLite it also holds search_words (migration 0016).
    "ix_person_company_name",
})
PERSON_COLUMNS = ("first_name", "last_name", "email", "phone", "organization_id")
_WORD = re.compile(r"[^\W_]+")
_PHONE_QUERY = re.compile(r"^[\d\s+().\-/]+$")


# A plain table, not a CompanyOwned model: only this module reads or writes it, with Core
# statements, and queries reach it through ``person`` (which the tenancy scope limits).
person_search = sa.Table(
    "person_search",
    db.metadata,
    sa.Column("person_id", sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, autoincrement=False),
    sa.Column("company_id", sa.ForeignKey("company.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("document", sa.Text, nullable=False, default=""),
)


def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents (``Zoë`` -> ``zoe``), as documents and queries are."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def words(text: str) -> list[str]:
    """The words of ``text`` after :func:`fold` (letters and digits; everything else separates)."""
    return _WORD.findall(fold(text))


def phone_words(e164: str) -> list[str]:
    """A phone number's searchable forms: all digits (``14155550123``) and the national number."""
    digits = re.sub(r"\D", "", e164 or "")
    if not digits:
        return []
    forms = [digits]
    try:
        national = str(phonenumbers.parse("+" + digits, None).national_number)
    except phonenumbers.NumberParseException:
        national = ""
    if national and national != digits:
        forms.append(national)
    return forms


def build_document(first_name: str, last_name: str, emails: Iterable[str], phones: Iterable[str],
                   organizations: Iterable[str]) -> str:
    """The search document: every word of the names, emails and organizations plus phone forms."""
    parts: list[str] = words(first_name) + words(last_name)
    for email in emails:
        parts += words(email)
    for number in phones:
        parts += phone_words(number)
    for name in organizations:
        parts += words(name)
    return " ".join(dict.fromkeys(parts))


def query_terms(q: str | None) -> list[str]:
    """The prefix terms of a search box entry.

    A phone-like entry (``+1 415 555``, ``(415) 555-01``) becomes one term of its digits,
    so numbers match however they are typed; anything else is split into words.
    """
    text = (q or "").strip()[:200]
    if _PHONE_QUERY.match(text) and sum(ch.isdigit() for ch in text) >= 3:
        return [re.sub(r"\D", "", text)[:MAX_TERM_LENGTH]]
    return [word[:MAX_TERM_LENGTH] for word in words(text)[:MAX_TERMS]]


def _fts5_query(terms: Sequence[str]) -> str:
    return " ".join(f'"{term}"*' for term in terms)


def _tsquery(terms: Sequence[str]) -> str:
    return " & ".join(f"{term}:*" for term in terms)


def matching_person_ids(q: str | None) -> sa.Select | None:
    """A sub-select of the ids of people matching every word of ``q`` as a prefix; None when ``q`` is empty.

    ``ada lov`` finds Ada Lovelace; ``+44 20 7946`` finds +442079460000.
    """
    terms = query_terms(q)
    if not terms:
        return _punctuation_match(q)
    if db.session.get_bind().dialect.name == "postgresql":
        vector = sa.func.to_tsvector(sa.literal_column("'simple'::regconfig"), person_search.c.document)
        query = sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), sa.bindparam(None, _tsquery(terms)))
        return sa.select(person_search.c.person_id).where(vector.op("@@")(query))
    fts = sa.table(FTS_TABLE, sa.column("rowid"))
    match = sa.literal_column(FTS_TABLE).op("MATCH")(sa.bindparam(None, _fts5_query(terms)))
    return sa.select(fts.c.rowid).select_from(fts).where(match)


def words_check(q: str | None) -> sa.ColumnElement[bool] | None:
    """The condition on a person's own row that :func:`matching_person_ids` holds for them; None when it has no terms.

    Every term must start a word of ``person.search_words`` (the position of ``" " + term``):
    the same prefix match as the full-text index, read from the row (or from the name
    sort index that holds the column on SQLite) instead of the index of every match.
    """
    terms = query_terms(q)
    if not terms:
        return None
    # The position of a substring: instr(haystack, needle) on SQLite, strpos on PostgreSQL.
    find = sa.func.strpos if db.session.get_bind().dialect.name == "postgresql" else sa.func.instr
    return sa.and_(*[find(Person.search_words, sa.bindparam(None, " " + term)) > 0 for term in terms])


def _punctuation_match(q: str | None) -> sa.Select | None:
    """An entry without letters or digits (``%``, ``+``): a literal substring match on names and email."""
    text = (q or "").strip()[:MAX_TERM_LENGTH]
    if not text:
        return None
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    columns = (Person.first_name, Person.last_name, Person.email)
    return sa.select(Person.id).where(sa.or_(*[c.ilike(pattern, escape="\\") for c in columns]))


# Keeping documents up to date ------------------------------------------------------


def _documents(conn: sa.Connection, person_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
    """``{person id: (company id, document)}`` read with Core statements on ``conn``."""
    t = Person.__table__
    people = sa.select(t.c.id, t.c.company_id, t.c.first_name, t.c.last_name, t.c.email, t.c.phone,
                       t.c.organization_id).where(t.c.id.in_(person_ids))
    emails: dict[int, list[str]] = defaultdict(list)
    phones: dict[int, list[str]] = defaultdict(list)
    orgs: dict[int, list[str]] = defaultdict(list)
    e, p, m, o = PersonEmail.__table__, PersonPhone.__table__, PersonOrganization.__table__, Organization.__table__
    for person_id, email in conn.execute(sa.select(e.c.person_id, e.c.email).where(e.c.person_id.in_(person_ids))):
        emails[person_id].append(email)
    for person_id, number in conn.execute(sa.select(p.c.person_id, p.c.number).where(p.c.person_id.in_(person_ids))):
        phones[person_id].append(number)
    membership_orgs = sa.select(m.c.person_id, o.c.name).join(o, o.c.id == m.c.organization_id)
    for person_id, name in conn.execute(membership_orgs.where(m.c.person_id.in_(person_ids))):
        orgs[person_id].append(name)
    rows = list(conn.execute(people))
    primary_orgs = {row.organization_id for row in rows if row.organization_id is not None}
    org_names = {r.id: r.name for r in conn.execute(sa.select(o.c.id, o.c.name).where(o.c.id.in_(primary_orgs)))}
    # The mirror columns count too: rows written without the child lists stay findable.
    return {
        row.id: (row.company_id, build_document(
            row.first_name, row.last_name, [row.email, *emails[row.id]], [row.phone, *phones[row.id]],
            [org_names.get(row.organization_id, ""), *orgs[row.id]]))
        for row in rows
    }


def search_words(document: str) -> str:
    """``person.search_words`` for a document: a space before every word, so ``" " + term`` finds a word's start."""
    return " " + document


# person.search_words = :words for one person, leaving updated_at (an onupdate column) as it is.
_SET_WORDS = (
    Person.__table__.update()
    .where(Person.__table__.c.id == sa.bindparam("person_id"))
    .values(search_words=sa.bindparam("words"), updated_at=Person.__table__.c.updated_at)
)


def copy_search_words(conn: sa.Connection, company_id: int) -> None:
    """Set ``person.search_words`` from ``person_search`` for a company's people (for code that wrote documents in bulk)."""
    documents = sa.select(person_search.c.document).where(person_search.c.person_id == Person.__table__.c.id)
    conn.execute(Person.__table__.update().where(Person.__table__.c.company_id == company_id)
                 .values(search_words=" " + documents.scalar_subquery(), updated_at=Person.__table__.c.updated_at))


def reindex_on(conn: sa.Connection, person_ids: Iterable[int]) -> None:
    """Re-build the documents (and ``search_words``) of ``person_ids`` on ``conn``; people that no longer exist lose theirs."""
    ids = sorted(set(person_ids))
    table = person_search
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        documents = _documents(conn, chunk)
        conn.execute(table.delete().where(table.c.person_id.in_(chunk)))
        if documents:
            conn.execute(table.insert(), [
                {"person_id": pid, "company_id": company_id, "document": document}
                for pid, (company_id, document) in documents.items()
            ])
            conn.execute(_SET_WORDS, [{"person_id": pid, "words": search_words(document)}
                                      for pid, (_company_id, document) in documents.items()])


def reindex_people(person_ids: Iterable[int]) -> None:
    """Re-build the search documents of ``person_ids`` in the current transaction.

    For code that changes names, emails, phones or memberships with bulk statements
    (ORM changes are picked up automatically).
    """
    reindex_on(db.session.connection(), person_ids)


def rebuild_all(conn: sa.Connection, batch: int = 2000) -> int:
    """Re-build every person's document (migrations, the bench seeder); returns how many."""
    ids = [row[0] for row in conn.execute(sa.select(Person.__table__.c.id).order_by(Person.__table__.c.id))]
    for start in range(0, len(ids), batch):
        reindex_on(conn, ids[start:start + batch])
    return len(ids)


def _changed(obj: Any, names: Iterable[str]) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _touched_people(session: Session) -> set[int]:
    """Ids of the people whose document must be re-built after this flush."""
    people: set[int] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Person):
            if obj in session.new or obj in session.deleted or _changed(obj, PERSON_COLUMNS):
                people.add(obj.id)
        elif isinstance(obj, PersonEmail | PersonPhone | PersonOrganization):
            people.add(obj.person_id)
            if obj in session.dirty:
                people.update(sa.inspect(obj).attrs.person_id.history.deleted)
    return {pid for pid in people if pid is not None}


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    # Members of a renamed or deleted organization: read now, before ON DELETE CASCADE
    # removes the memberships of a deleted one.
    organizations = [
        obj.id for obj in list(session.dirty) + list(session.deleted)
        if isinstance(obj, Organization) and obj.id is not None
        and (obj in session.deleted or _changed(obj, ("name",)))
    ]
    if organizations:
        m, p = PersonOrganization.__table__, Person.__table__
        conn = session.connection()
        members = conn.execute(sa.select(m.c.person_id).where(m.c.organization_id.in_(organizations)))
        primary = conn.execute(sa.select(p.c.id).where(p.c.organization_id.in_(organizations)))
        session.info.setdefault("crm_reindex", set()).update(row[0] for row in [*members, *primary])


def _after_flush(session: Session, flush_context: Any) -> None:
    people = _touched_people(session) | session.info.pop("crm_reindex", set())
    if people:
        reindex_on(session.connection(), people)


def install(session_class: type[Session] | Any) -> None:
    """Attach the listener that keeps search documents current (done once, with tenancy)."""
    if getattr(session_class, "_crm_search_index_installed", False):
        return
    event.listen(session_class, "before_flush", _before_flush)
    event.listen(session_class, "after_flush", _after_flush)
    session_class._crm_search_index_installed = True

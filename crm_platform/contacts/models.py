"""People and organizations: the records a CRM is about."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_platform.extensions import db
from crm_platform.models_base import Timestamped, utcnow
from crm_platform.tenancy import CompanyOwned

LIFECYCLE_STAGES: tuple[str, ...] = ("lead", "prospect", "customer", "churned")


def person_display_name(first_name: str | None, last_name: str | None, email: str | None, person_id: int | None) -> str:
    """The name to show for a person: first and last name, else the email, else a placeholder."""
    return f"{first_name or ''} {last_name or ''}".strip() or email or f"Person #{person_id}"


class Organization(CompanyOwned, Timestamped, db.Model):
    """A business or institution the company deals with."""

    __tablename__ = "organization"
    # One index per sort of the organizations list (contacts/organization_listing.py).
    __table_args__ = (
        sa.Index("ix_organization_company_name", "company_id", "name", "id"),
        sa.Index("ix_organization_company_created", "company_id", "created_at", "id"),
        sa.Index("ix_organization_company_updated", "company_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    website: Mapped[str] = mapped_column(sa.String(255), default="", nullable=False)
    industry: Mapped[str] = mapped_column(sa.String(120), default="", nullable=False)
    city: Mapped[str] = mapped_column(sa.String(120), default="", nullable=False)
    country: Mapped[str] = mapped_column(sa.String(120), default="", nullable=False)
    # Bumped by every UPDATE; a stale version raises StaleDataError (edit conflicts).
    version: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)
    # Who made the last change (shown when an edit conflicts); set by contacts.editors.
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    __mapper_args__ = {"version_id_col": version}

    updated_by = relationship("User", lazy="select", foreign_keys=[updated_by_id])
    # The database sets person.organization_id to NULL when an organization is deleted.
    people = relationship("Person", back_populates="organization", lazy="select", passive_deletes=True)


_LIVE = {"sqlite_where": sa.text("deleted_at IS NULL"), "postgresql_where": sa.text("deleted_at IS NULL")}


class Person(CompanyOwned, Timestamped, db.Model):
    """A contact: somebody the company talks to."""

    __tablename__ = "person"
    __table_args__ = (
        # The sort indexes hold live people only (migration 0012): the list never shows the trash.
        # The name sort index is made by the migrations only (on SQLite it also holds
        # ``search_words``, migration 0016): see crm_platform/contacts/search_index.py.
        sa.Index("ix_person_company_email", "company_id", "email"),
        sa.Index("ix_person_company_stage", "company_id", "lifecycle_stage"),
        sa.Index("ix_person_company_created", "company_id", "created_at", "id", **_LIVE),
        sa.Index("ix_person_company_updated", "company_id", "updated_at", "id", **_LIVE),
        sa.Index("ix_person_company_deleted", "company_id", "deleted_at"),
        # Live people by id, with their company: a bounded count of a filter's matches
        # looks each match up here instead of in the table's wide rows (migration 0016).
        sa.Index("ix_person_live_id", "id", "company_id", **_LIVE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(sa.String(100), default="", nullable=False)
    last_name: Mapped[str] = mapped_column(sa.String(100), default="", nullable=False)
    email: Mapped[str] = mapped_column(sa.String(255), default="", nullable=False)
    phone: Mapped[str] = mapped_column(sa.String(40), default="", nullable=False)
    job_title: Mapped[str] = mapped_column(sa.String(120), default="", nullable=False)
    lifecycle_stage: Mapped[str] = mapped_column(sa.String(20), default="lead", nullable=False)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # Address, web presence and provenance.
    street: Mapped[str] = mapped_column(sa.String(200), default="", nullable=False)
    postal_code: Mapped[str] = mapped_column(sa.String(20), default="", nullable=False)
    city: Mapped[str] = mapped_column(sa.String(120), default="", nullable=False)
    region: Mapped[str] = mapped_column(sa.String(120), default="", nullable=False)
    country: Mapped[str] = mapped_column(sa.String(120), default="", nullable=False)
    website: Mapped[str] = mapped_column(sa.String(255), default="", nullable=False)
    social: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict, nullable=False)
    source: Mapped[str] = mapped_column(sa.String(60), default="", nullable=False)
    # Set when the person is in the trash (hidden everywhere, see contacts/trash.py).
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Bumped by every UPDATE; a stale version raises StaleDataError (edit conflicts).
    version: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)
    # " " + the search document (contacts/search_index.py keeps it): a search walks the
    # name sort index, which holds it on SQLite, and checks each person without a lookup.
    search_words: Mapped[str | None] = mapped_column(sa.Text, deferred=True)
    # Who made the last change (shown when an edit conflicts); set by contacts.editors.
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    organization = relationship(Organization, back_populates="people", lazy="joined")
    owner = relationship("User", lazy="joined", foreign_keys=[owner_id])
    updated_by = relationship("User", lazy="select", foreign_keys=[updated_by_id])
    emails = relationship(
        "PersonEmail", lazy="select", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(PersonEmail.is_primary.desc(), PersonEmail.id)",
    )
    phones = relationship(
        "PersonPhone", lazy="select", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(PersonPhone.is_primary.desc(), PersonPhone.id)",
    )
    memberships = relationship(
        "PersonOrganization", lazy="select", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(PersonOrganization.is_primary.desc(), PersonOrganization.id)",
    )
    tags = relationship("Tag", secondary="person_tag", lazy="select", order_by=lambda: sa.func.lower(Tag.name), viewonly=True)

    __mapper_args__ = {"version_id_col": version}

    @property
    def full_name(self) -> str:
        """The name to show: first and last name, else the email, else a placeholder."""
        return person_display_name(self.first_name, self.last_name, self.email, self.id)


EMAIL_LABELS: tuple[str, ...] = ("work", "home", "other")
PHONE_LABELS: tuple[str, ...] = ("mobile", "work", "home", "other")


class PersonEmail(CompanyOwned, db.Model):
    """One of a person's email addresses; exactly one per person is primary.

    The primary address is also kept in ``Person.email`` (lists, search, mail merge).
    """

    __tablename__ = "person_email"
    __table_args__ = (
        sa.Index("ix_person_email_company_email", "company_id", "email"),
        sa.Index("ix_person_email_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    email: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    label: Mapped[str] = mapped_column(sa.String(20), default="work", nullable=False)
    is_primary: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)


class PersonPhone(CompanyOwned, db.Model):
    """One of a person's phone numbers, stored in E.164 (``+14155550123``).

    The primary number is also kept in ``Person.phone``.
    """

    __tablename__ = "person_phone"
    __table_args__ = (
        sa.Index("ix_person_phone_company_number", "company_id", "number"),
        sa.Index("ix_person_phone_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    label: Mapped[str] = mapped_column(sa.String(20), default="mobile", nullable=False)
    is_primary: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)


class PersonOrganization(CompanyOwned, db.Model):
    """A person's place in an organization, with a role or title; one of them is primary.

    The primary one is also kept in ``Person.organization_id`` and ``Person.job_title``.
    """

    __tablename__ = "person_organization"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "organization_id"),
        sa.Index("ix_person_organization_organization", "organization_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), nullable=False)
    role: Mapped[str] = mapped_column(sa.String(120), default="", nullable=False)
    is_primary: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)

    organization = relationship(Organization, lazy="joined")


class Tag(CompanyOwned, db.Model):
    """A label people can carry (``vip``, ``newsletter``); names are unique per company."""

    __tablename__ = "tag"
    __table_args__ = (sa.UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)


class PersonTag(CompanyOwned, db.Model):
    """A tag on a person."""

    __tablename__ = "person_tag"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "tag_id"),
        sa.Index("ix_person_tag_tag_person", "tag_id", "company_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    tag_id: Mapped[int] = mapped_column(sa.ForeignKey("tag.id", ondelete="CASCADE"), nullable=False)


ACTIVITY_KINDS: tuple[str, ...] = ("note", "call", "meeting", "email", "task")


class Activity(CompanyOwned, db.Model):
    """One entry on the timeline of a person and/or organization.

    An activity about a person also records the person's organization at that time, so
    the organization's timeline is one indexed query. Deleting the organization keeps
    such entries (``SET NULL``); entries about the organization alone are deleted with it
    (see :func:`crm_platform.contacts.services.delete_organization`).
    """

    __tablename__ = "activity"
    __table_args__ = (
        sa.Index("ix_activity_company_created", "company_id", "created_at", "id"),
        sa.Index("ix_activity_person_created", "person_id", "created_at", "id"),
        sa.Index("ix_activity_organization_created", "organization_id", "created_at", "id"),
        sa.Index("ix_activity_company_scheduled", "company_id", "scheduled_at"),
        sa.Index("ix_activity_assignee_open", "assignee_id", "done_at", "scheduled_at"),
        sa.Index("ix_activity_company_kind", "company_id", "kind", "created_at", "id"),
        sa.Index("ix_activity_company_author", "company_id", "author_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30), default="note", nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
    # Scheduling, for tasks (due time) and meetings or calls (start time); NULL for plain notes.
    scheduled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    duration_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    # Tasks: who must do it and when it was done (NULL while open).
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Logged emails: the subject and "in" (received) or "out" (sent); tasks may use subject as a title.
    subject: Mapped[str] = mapped_column(sa.String(255), default="", server_default="", nullable=False)
    direction: Mapped[str | None] = mapped_column(sa.String(3))

    author = relationship("User", lazy="joined", foreign_keys=[author_id])
    assignee = relationship("User", lazy="select", foreign_keys=[assignee_id])
    person = relationship(Person, lazy="joined")
    organization = relationship(Organization, lazy="joined")

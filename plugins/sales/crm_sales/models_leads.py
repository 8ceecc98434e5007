"""Leads, lead-scoring rules and sales targets (tables ``sales_lead``, ``sales_lead_rule``, ``sales_target``).

A lead is an enquiry not yet in the contacts: from the public web form, typed in, or
imported. Converting it creates a person, an organization and a deal, and the lead keeps
links to them. Targets are what each user should win per month (in the company currency).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_platform.plugins import CompanyOwned, Timestamped, db

LEAD_STATUSES: tuple[tuple[str, str], ...] = (
    ("new", "New"),
    ("qualified", "Qualified"),
    ("disqualified", "Disqualified"),
    ("converted", "Converted"),
)
STATUS_LABELS: dict[str, str] = dict(LEAD_STATUSES)
RULE_FIELDS: tuple[tuple[str, str], ...] = (
    ("source", "Source"),
    ("email", "Email"),
    ("email_domain", "Email domain"),
    ("phone", "Phone"),
    ("organization_name", "Organization"),
    ("name", "Name"),
    ("message", "Message"),
    ("activities", "Timeline entries of the converted person"),
)
RULE_OPERATORS: tuple[tuple[str, str], ...] = (
    ("equals", "equals"),
    ("contains", "contains"),
    ("is_set", "is set"),
    ("not_free_mail", "is not a free-mail domain"),
    ("at_least", "is at least"),
)


class Lead(CompanyOwned, Timestamped, db.Model):
    """An enquiry to qualify, and after conversion the links to what it became."""

    __tablename__ = "sales_lead"
    __table_args__ = (
        sa.Index("ix_sales_lead_company_id_desc", "company_id", "id"),
        sa.Index("ix_sales_lead_score", "company_id", "score", "id"),
        sa.Index("ix_sales_lead_status_score", "company_id", "status", "score", "id"),
        sa.Index("ix_sales_lead_source", "company_id", "source", "id"),
        sa.Index("ix_sales_lead_email", "company_id", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    email: Mapped[str] = mapped_column(sa.String(255), default="", nullable=False)
    phone: Mapped[str] = mapped_column(sa.String(40), default="", nullable=False)
    organization_name: Mapped[str] = mapped_column(sa.String(200), default="", nullable=False)
    source: Mapped[str] = mapped_column(sa.String(60), default="", nullable=False)
    message: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    status: Mapped[str] = mapped_column(sa.String(20), default="new", nullable=False)
    score: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"), index=True)
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id", ondelete="SET NULL"), index=True)
    deal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_deal.id", ondelete="SET NULL"), index=True)
    converted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    owner = relationship("User", lazy="joined")

    @property
    def status_label(self) -> str:
        """The status as people read it."""
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def email_domain(self) -> str:
        """The part of the email after ``@``, lower case (empty without an email)."""
        return self.email.rpartition("@")[2].lower() if "@" in self.email else ""


class LeadRule(CompanyOwned, db.Model):
    """``field operator value`` → ``points``: one line of the company's lead scoring."""

    __tablename__ = "sales_lead_rule"
    __table_args__ = (sa.CheckConstraint("points >= -1000 AND points <= 1000", name="points_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    operator: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    value: Mapped[str] = mapped_column(sa.String(200), default="", nullable=False)
    points: Mapped[int] = mapped_column(sa.Integer, nullable=False)


class SalesTarget(CompanyOwned, db.Model):
    """How much ``user_id`` should win in ``month`` (its first day), in the company currency."""

    __tablename__ = "sales_target"
    __table_args__ = (
        sa.UniqueConstraint("company_id", "user_id", "month"),
        sa.CheckConstraint("amount >= 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False)
    month: Mapped[date] = mapped_column(sa.Date, nullable=False)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), nullable=False)

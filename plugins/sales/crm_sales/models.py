"""The sales plugin's tables (prefixed ``sales_``): pipelines, stages, deals, their people and line items.

Money is ``Numeric(12, 2)`` and :class:`~decimal.Decimal` everywhere, never a float.
Every table is company-owned, so every ORM query is scoped to the current company.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_platform.plugins import CompanyOwned, Timestamped, db

CENT = Decimal("0.01")
DEAL_STATES: tuple[str, ...] = ("open", "won", "lost")
ROLES: tuple[tuple[str, str], ...] = (
    ("decision_maker", "Decision maker"),
    ("champion", "Champion"),
    ("influencer", "Influencer"),
    ("user", "User"),
    ("other", "Other"),
)
ROLE_LABELS: dict[str, str] = dict(ROLES)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """``value`` as an aware UTC datetime (SQLite hands back naive ones)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class Pipeline(CompanyOwned, Timestamped, db.Model):
    """A sales process: an ordered list of stages a deal goes through."""

    __tablename__ = "sales_pipeline"
    __table_args__ = (sa.Index("ix_sales_pipeline_company_position", "company_id", "position", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    position: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)

    stages = relationship(
        "Stage", back_populates="pipeline", order_by="(Stage.position, Stage.id)", lazy="selectin", passive_deletes=True
    )


class Stage(CompanyOwned, db.Model):
    """One step of a pipeline, with the probability of winning a deal in it."""

    __tablename__ = "sales_stage"
    __table_args__ = (
        sa.Index("ix_sales_stage_pipeline_position", "company_id", "pipeline_id", "position", "id"),
        sa.CheckConstraint("probability >= 0 AND probability <= 100", name="probability_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_pipeline.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    position: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    probability: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    rotting_days: Mapped[int | None] = mapped_column(sa.Integer)

    pipeline = relationship(Pipeline, back_populates="stages")


class Deal(CompanyOwned, Timestamped, db.Model):
    """An opportunity to sell: its value, where it stands, who owns it and who is involved."""

    __tablename__ = "sales_deal"
    __table_args__ = (
        sa.Index("ix_sales_deal_board", "company_id", "pipeline_id", "state", "stage_id", "position", "id"),
        sa.Index("ix_sales_deal_state_close", "company_id", "state", "expected_close_date"),
        sa.Index("ix_sales_deal_company_id_desc", "company_id", "id"),
        sa.Index("ix_sales_deal_state_closed", "company_id", "state", "closed_at"),  # won per month (forecast)
        sa.CheckConstraint("value >= 0", name="value_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR", nullable=False)
    value: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=Decimal("0.00"), nullable=False)
    expected_close_date: Mapped[date | None] = mapped_column(sa.Date)
    pipeline_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_pipeline.id", ondelete="CASCADE"), nullable=False)
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_stage.id"), index=True, nullable=False)
    position: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(sa.String(10), default="open", nullable=False)
    lost_reason: Mapped[str] = mapped_column(sa.String(500), default="", nullable=False)
    stage_changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    pipeline = relationship(Pipeline, lazy="joined")
    stage = relationship(Stage, lazy="joined")
    owner = relationship("User", lazy="joined")
    organization = relationship("Organization", lazy="joined")
    line_items = relationship(
        "LineItem", back_populates="deal", order_by="LineItem.id", lazy="select", passive_deletes=True
    )
    people = relationship(
        "DealPerson", back_populates="deal", order_by="DealPerson.id", lazy="select", passive_deletes=True
    )

    @property
    def weighted_value(self) -> Decimal:
        """The value times the stage's probability (what the deal is worth to the forecast)."""
        return (self.value * Decimal(self.stage.probability) / 100).quantize(CENT, ROUND_HALF_UP)

    def days_in_stage(self, now: datetime | None = None) -> int:
        """Whole days since the deal last changed stage."""
        return ((now or utcnow()) - aware(self.stage_changed_at)).days

    def is_stale(self, now: datetime | None = None) -> bool:
        """True when an open deal sat in its stage longer than the stage's rotting days."""
        days = self.stage.rotting_days
        return self.state == "open" and bool(days) and self.days_in_stage(now) > days


class DealPerson(CompanyOwned, db.Model):
    """A person involved in a deal, and their role in the buying decision."""

    __tablename__ = "sales_deal_person"
    __table_args__ = (sa.UniqueConstraint("deal_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_deal.id", ondelete="CASCADE"), nullable=False)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True, nullable=False)
    role: Mapped[str] = mapped_column(sa.String(20), default="other", nullable=False)

    deal = relationship(Deal, back_populates="people")
    person = relationship("Person", lazy="joined")

    @property
    def role_label(self) -> str:
        """The role as people read it."""
        return ROLE_LABELS.get(self.role, self.role)


class LineItem(CompanyOwned, db.Model):
    """A product on a deal: quantity × unit price, less a discount in percent."""

    __tablename__ = "sales_line_item"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price >= 0", name="unit_price_positive"),
        sa.CheckConstraint("discount >= 0 AND discount <= 100", name="discount_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_deal.id", ondelete="CASCADE"), index=True, nullable=False)
    product: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=Decimal("1"), nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=Decimal("0"), nullable=False)
    discount: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("0"), nullable=False)

    deal = relationship(Deal, back_populates="line_items")

    @property
    def total(self) -> Decimal:
        """Quantity × unit price × (1 − discount %), rounded to the cent."""
        return line_total(self.quantity, self.unit_price, self.discount)


def line_total(quantity: Decimal, unit_price: Decimal, discount: Decimal) -> Decimal:
    """Quantity × unit price × (1 − discount / 100), rounded half up to the cent."""
    gross = Decimal(quantity) * Decimal(unit_price)
    return (gross * (Decimal(100) - Decimal(discount)) / Decimal(100)).quantize(CENT, ROUND_HALF_UP)


class DealActivity(CompanyOwned, db.Model):
    """Links a core timeline entry to the deal it is about, so a deal has its own timeline."""

    __tablename__ = "sales_deal_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_deal.id", ondelete="CASCADE"), index=True, nullable=False)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"), index=True, nullable=False)


from crm_sales.models_leads import Lead, LeadRule, SalesTarget  # noqa: E402,F401 - leads, scoring, targets

"""Custom field definitions and their values (one row per value, so filters use an index)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_platform.extensions import db
from crm_platform.models_base import utcnow
from crm_platform.tenancy import CompanyOwned

FIELD_TYPES: tuple[str, ...] = ("text", "number", "date", "select", "multiselect", "checkbox", "url")
ENTITIES: tuple[str, ...] = ("person", "organization")


class CustomField(CompanyOwned, db.Model):
    """A field a company added to people or organizations in its settings.

    ``key`` is a stable slug used in imports, exports, the API and filter URLs
    (``cf_<key>``); ``options`` lists the choices of select and multi-select fields.
    """

    __tablename__ = "custom_field"
    __table_args__ = (sa.UniqueConstraint("company_id", "entity", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(20), default="person", nullable=False)
    key: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    label: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    field_type: Mapped[str] = mapped_column(sa.String(20), default="text", nullable=False)
    options: Mapped[list[str]] = mapped_column(sa.JSON, default=list, nullable=False)
    required: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    position: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)


class CustomFieldValue(CompanyOwned, db.Model):
    """One value of a custom field on one record (a multi-select has one row per choice).

    ``value`` holds the normalised text of every type (dates as ISO ``YYYY-MM-DD``,
    checkboxes as ``"1"``/``"0"``); numbers are also in ``number_value`` for ranges
    and sorting, dates in ``date_value``.
    """

    __tablename__ = "custom_field_value"
    __table_args__ = (
        sa.Index("ix_custom_field_value_lookup", "field_id", "value", "company_id", "entity_id"),
        sa.Index("ix_custom_field_value_entity", "entity_id", "field_id"),
        # Range filters (cf_<key>_min / _max) on number and date fields.
        sa.Index("ix_custom_field_value_number", "field_id", "company_id", "number_value", "entity_id"),
        sa.Index("ix_custom_field_value_date", "field_id", "company_id", "date_value", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    field_id: Mapped[int] = mapped_column(sa.ForeignKey("custom_field.id", ondelete="CASCADE"), nullable=False)
    entity_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    value: Mapped[str] = mapped_column(sa.String(1000), default="", nullable=False)
    number_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))
    date_value: Mapped[date | None] = mapped_column(sa.Date)

    field = relationship(CustomField, lazy="joined")

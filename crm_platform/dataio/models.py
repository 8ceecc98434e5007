"""An import of people from an uploaded file, and the rows it refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm_platform.extensions import db
from crm_platform.models_base import utcnow
from crm_platform.tenancy import CompanyOwned

# uploaded -> checking -> checked -> running -> done; failed from checking or running.
IMPORT_STATUSES: tuple[str, ...] = ("uploaded", "checking", "checked", "running", "done", "failed")
DUPLICATE_POLICIES: tuple[str, ...] = ("skip", "update", "create")
BUSY_STATUSES = frozenset({"checking", "running"})


class ImportJob(CompanyOwned, db.Model):
    """One uploaded file on its way into the people list.

    The file itself sits in the instance folder under ``stored_name`` (random), never
    in a static path; it is deleted when the import is done. ``mapping`` holds one
    target per column (``""`` = ignored), ``headers`` the file's header row.
    """

    __tablename__ = "import_job"
    __table_args__ = (sa.Index("ix_import_job_company_created", "company_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.String(20), default="uploaded", nullable=False)
    filename: Mapped[str] = mapped_column(sa.String(255), default="", nullable=False)
    stored_name: Mapped[str] = mapped_column(sa.String(80), default="", nullable=False)
    file_format: Mapped[str] = mapped_column(sa.String(10), default="csv", nullable=False)
    encoding: Mapped[str] = mapped_column(sa.String(20), default="utf-8", nullable=False)
    delimiter: Mapped[str] = mapped_column(sa.String(4), default=",", nullable=False)
    headers: Mapped[list[str]] = mapped_column(sa.JSON, default=list, nullable=False)
    mapping: Mapped[list[str]] = mapped_column(sa.JSON, default=list, nullable=False)
    phone_region: Mapped[str] = mapped_column(sa.String(2), default="", nullable=False)
    policy: Mapped[str] = mapped_column(sa.String(10), default="skip", nullable=False)
    total_rows: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    rows_done: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    valid_rows: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    duplicates: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    created_count: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    updated_count: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    skipped_count: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    refused_count: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    error: Mapped[str] = mapped_column(sa.String(500), default="", nullable=False)

    @property
    def percent(self) -> int:
        """Progress of the running phase, 0 to 100."""
        if not self.total_rows:
            return 100 if self.status not in BUSY_STATUSES else 0
        return min(100, round(100 * self.rows_done / self.total_rows))

    @property
    def busy(self) -> bool:
        """True while a dry run or the import itself is working on the file."""
        return self.status in BUSY_STATUSES


class ImportRefusal(CompanyOwned, db.Model):
    """A row the dry run or the import refused, with the reason and the row's original cells."""

    __tablename__ = "import_refusal"
    __table_args__ = (sa.Index("ix_import_refusal_job_row", "import_job_id", "row_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_job_id: Mapped[int] = mapped_column(sa.ForeignKey("import_job.id", ondelete="CASCADE"), nullable=False)
    row_number: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    column: Mapped[str] = mapped_column(sa.String(255), default="", nullable=False)
    reason: Mapped[str] = mapped_column(sa.String(500), default="", nullable=False)
    cells: Mapped[list[Any]] = mapped_column(sa.JSON, default=list, nullable=False)

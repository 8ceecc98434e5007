"""The example plugin's table: prefixed with the plugin name."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm_platform.plugins import CompanyOwned, db


class ExamplePing(CompanyOwned, db.Model):
    """A row owned by one company."""

    __tablename__ = "example_ping"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(200), nullable=False)

"""Personal API tokens: one user in one company, stored only as a SHA-256 hash."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_platform.extensions import db
from crm_platform.models_base import utcnow
from crm_platform.tenancy import CompanyOwned

TOKEN_SCOPES: tuple[str, ...] = ("read", "write")
SCOPE_LABELS: dict[str, str] = {"read": "Read only", "write": "Read and write"}


class ApiToken(CompanyOwned, db.Model):
    """A personal API token. The secret is shown once; only its hash and a short prefix are kept."""

    __tablename__ = "api_token"
    __table_args__ = (sa.Index("ix_api_token_company_user", "company_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    scope: Mapped[str] = mapped_column(sa.String(10), default="read", nullable=False)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    prefix: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    user = relationship("User", lazy="joined")

    @property
    def scope_label(self) -> str:
        """The scope as people read it."""
        return SCOPE_LABELS.get(self.scope, self.scope)

    @property
    def can_write(self) -> bool:
        """True when the token's scope allows changes (the user's role must allow them too)."""
        return self.scope == "write"

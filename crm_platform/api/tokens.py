"""Creating, listing, revoking and resolving personal API tokens.

A token is ``crm_`` followed by 43 random URL-safe characters. Only its SHA-256 hash
and the first characters (to recognise it in a list) are stored, so a database leak
does not leak working tokens. Resolving a token crosses companies on purpose (the
token says which company it belongs to), so that one query runs :func:`unscoped`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from crm_platform import tenancy
from crm_platform.api.models import TOKEN_SCOPES, ApiToken
from crm_platform.audit.service import record
from crm_platform.companies.models import Company, Membership
from crm_platform.extensions import db
from crm_platform.models_base import utcnow
from crm_platform.security import token_hash

TOKEN_PREFIX = "crm_"
SHOWN_PREFIX_LENGTH = 10
LAST_USED_INTERVAL = timedelta(minutes=1)
MAX_TOKEN_LENGTH = 200


@dataclass(frozen=True)
class ResolvedToken:
    """A live token with the membership (company and role) it acts through."""

    token: ApiToken
    membership: Membership


def create_token(user_id: int, name: str, scope: str) -> tuple[ApiToken, str]:
    """Create a token for ``user_id`` in the current company; returns the row and the secret (shown once)."""
    if scope not in TOKEN_SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user_id, name=name.strip()[:80], scope=scope, token_hash=token_hash(secret),
        prefix=secret[:SHOWN_PREFIX_LENGTH],
    )
    db.session.add(row)
    db.session.flush()
    record("api_token_created", f"{row.name} ({row.scope}, {row.prefix}…)", actor_id=user_id)
    return row, secret


def tokens_of(user_id: int) -> list[ApiToken]:
    """The tokens of ``user_id`` in the current company, newest first (revoked ones included)."""
    stmt = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    return list(db.session.scalars(stmt).unique())


def get_own_token(user_id: int, api_token_id: int) -> ApiToken | None:
    """The token ``api_token_id`` if it belongs to ``user_id`` in the current company."""
    stmt = select(ApiToken).where(ApiToken.id == api_token_id, ApiToken.user_id == user_id)
    return db.session.scalars(stmt).first()


def revoke_token(row: ApiToken, actor_id: int | None = None) -> bool:
    """Revoke ``row`` for good; False when it was already revoked."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    record("api_token_revoked", f"{row.name} ({row.prefix}…)", actor_id=actor_id)
    return True


def resolve(secret: str | None) -> ResolvedToken | None:
    """The live token for ``secret`` and its membership, or None.

    None when the secret is unknown or revoked, the user is deactivated or no longer a
    member of the token's company, or the company is deactivated.
    """
    if not secret or len(secret) > MAX_TOKEN_LENGTH or not secret.startswith(TOKEN_PREFIX):
        return None
    with tenancy.unscoped():
        row = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash(secret))).first()
        if row is None or row.revoked_at is not None or not row.user.is_active:
            return None
        membership = db.session.scalars(
            select(Membership)
            .join(Company, Company.id == Membership.company_id)
            .where(
                Membership.company_id == row.company_id,
                Membership.user_id == row.user_id,
                Company.is_active.is_(True),
            )
        ).first()
    if membership is None:
        return None
    return ResolvedToken(row, membership)


def touch(row: ApiToken) -> None:
    """Record that ``row`` was used now (at most once a minute, committed on its own)."""
    now = utcnow()
    last = row.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    if last is not None and now - last < LAST_USED_INTERVAL:
        return
    with tenancy.unscoped():
        db.session.execute(
            update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()

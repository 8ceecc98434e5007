"""Creating companies and managing who belongs to them."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import func, select, update

from crm_platform import tenancy
from crm_platform.auth.models import User
from crm_platform.companies.models import ROLE_LABELS, ROLES, Company, Invitation, Membership
from crm_platform.extensions import db
from crm_platform.models_base import utcnow
from crm_platform.security import hash_password, new_token, token_hash
from crm_platform.numbers import is_digits


class CompanyError(ValueError):
    """A company or membership request that cannot be carried out (message is user-facing)."""


def slugify(name: str) -> str:
    """A URL-safe slug for a company name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:50] or "company"


def _unique_slug(base: str) -> str:
    slug, n = base, 2
    while db.session.scalar(select(func.count()).select_from(Company).where(Company.slug == slug)):
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_company(name: str, slug: str | None = None) -> Company:
    """Create a company and let plugins set it up (``crm_company_created``). Commits."""
    name = name.strip()
    if not name or len(name) > 120:
        raise CompanyError("A company name needs 1 to 120 characters.")
    with tenancy.unscoped():
        if slug and db.session.scalar(select(func.count()).select_from(Company).where(Company.slug == slug)):
            raise CompanyError(f"The slug {slug!r} is taken.")
        company = Company(name=name, slug=slug or _unique_slug(slugify(name)))
        db.session.add(company)
        db.session.flush()
    from crm_platform.plugins import runtime

    with tenancy.company_scope(company.id):
        runtime.hook("crm_company_created", company.id)(company=company)
        db.session.commit()
    return company


def find_company(key: str) -> Company | None:
    """Find a company by id or slug (CLI and operator use)."""
    with tenancy.unscoped():
        if is_digits(key):
            return db.session.get(Company, int(key))
        return db.session.scalars(select(Company).where(Company.slug == key)).first()


def get_or_create_user(email: str, name: str = "", password: str | None = None) -> User:
    """Return the user with ``email``, creating it when missing (password optional). Flushes."""
    email = email.strip()
    user = db.session.scalars(select(User).where(func.lower(User.email) == email.lower())).first()
    if user is None:
        user = User(email=email, name=name.strip() or email.split("@")[0])
        db.session.add(user)
    if password is not None:
        user.password_hash = hash_password(password)
    db.session.flush()
    return user


def add_member(company: Company, user: User, role: str) -> Membership:
    """Give ``user`` the ``role`` in ``company`` (updating an existing membership). Flushes."""
    if role not in ROLES:
        raise CompanyError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    with tenancy.company_scope(company.id):
        membership = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).first()
        if membership is None:
            membership = Membership(company_id=company.id, user_id=user.id, role=role)
            db.session.add(membership)
        else:
            membership.role = role
        db.session.flush()
    return membership


def owner_count() -> int:
    """How many owners the current company has (it must keep at least one)."""
    return db.session.scalar(select(func.count()).select_from(Membership).where(Membership.role == "owner")) or 0


# --- Members ---------------------------------------------------------------------------------


class NotAllowed(CompanyError):
    """The actor's role does not allow the change (a 403, not a form error)."""


def _check_keeps_an_owner(membership: Membership, new_role: str | None) -> None:
    if membership.role != "owner" or new_role == "owner":
        return
    # Lock the owner rows (PostgreSQL) so two owners cannot demote each other at once.
    owners = db.session.scalars(select(Membership.id).where(Membership.role == "owner").with_for_update()).all()
    if len(owners) <= 1:
        raise CompanyError("A company needs at least one owner. Make somebody else an owner first.")


def change_role(membership: Membership, new_role: str, actor_role: str | None) -> str:
    """Give ``membership`` the role ``new_role`` in the current company; returns the old role.

    Only owners grant or take away the owner role, and the last owner stays an owner.
    Records ``role_changed``; the caller commits.
    """
    from crm_platform.audit.service import record
    from crm_platform.permissions import can_assign_role

    if new_role not in ROLES:
        raise CompanyError(f"Unknown role {new_role!r}.")
    old_role = membership.role
    if not can_assign_role(actor_role, old_role, new_role):
        raise NotAllowed("Only an owner can grant or take away the owner role.")
    if old_role == new_role:
        return old_role
    _check_keeps_an_owner(membership, new_role)
    membership.role = new_role
    db.session.flush()
    record("role_changed", f"{membership.user.email}: {old_role} → {new_role}")
    return old_role


def remove_member(membership: Membership, actor_role: str | None) -> None:
    """Remove ``membership`` from the current company (the user and other memberships stay).

    Admins cannot remove owners and the last owner cannot be removed. Records
    ``member_removed``; the caller commits.
    """
    from crm_platform.audit.service import record
    from crm_platform.permissions import can_assign_role

    if not can_assign_role(actor_role, membership.role, None):
        raise NotAllowed("Only an owner can remove an owner.")
    _check_keeps_an_owner(membership, None)
    detail = f"{membership.user.email} (was {membership.role})"
    db.session.delete(membership)
    db.session.flush()
    record("member_removed", detail)


def rename_company(company: Company, name: str) -> None:
    """Change a company's display name (the slug stays). The caller commits."""
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise CompanyError("A company name needs 1 to 120 characters.")
    company.name = name


def set_company_active(company: Company, active: bool) -> None:
    """Deactivate (members lose access, nothing is deleted) or reactivate a company. Commits."""
    from crm_platform.audit.service import record

    if company.is_active == active:
        return
    company.is_active = active
    record("company_reactivated" if active else "company_deactivated", company_id=company.id)
    db.session.commit()


def member_counts() -> dict[int, int]:
    """Number of members of every company (operator use; crosses companies on purpose)."""
    with tenancy.unscoped():
        rows = db.session.execute(select(Membership.company_id, func.count()).group_by(Membership.company_id)).all()
    return {company_id: count for company_id, count in rows}


# --- Invitations -----------------------------------------------------------------------------


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def invitation_is_pending(invitation: Invitation) -> bool:
    """True while the invitation can still be accepted (not used, revoked or expired)."""
    return (
        invitation.accepted_at is None
        and invitation.revoked_at is None
        and _aware(invitation.expires_at) > utcnow()
    )


def pending_invitations() -> list[Invitation]:
    """The current company's invitations that were neither accepted nor revoked, newest first."""
    stmt = (
        select(Invitation)
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    return list(db.session.scalars(stmt))


def create_invitation(company: Company, email: str, role: str, invited_by: User | None, actor_role: str | None) -> tuple[Invitation, str]:
    """Invite ``email`` to ``company`` (which must be the current company) with ``role``.

    Returns the invitation and the clear-text token (only its hash is stored). An
    earlier pending invitation to the same address is replaced. Records
    ``invitation_sent`` and commits; send the mail with :func:`send_invitation_mail`.
    ``actor_role=None`` means the instance operator (who may invite owners).
    """
    from crm_platform.audit.service import record
    from crm_platform.permissions import can_assign_role

    email = email.strip()
    if role not in ROLES:
        raise CompanyError(f"Unknown role {role!r}.")
    if actor_role is not None and not can_assign_role(actor_role, role, role):
        raise NotAllowed("Only an owner can invite another owner.")
    existing = db.session.scalars(
        select(Membership).join(User, User.id == Membership.user_id).where(func.lower(User.email) == email.lower())
    ).first()
    if existing is not None:
        raise CompanyError("That person is already a member of this company.")
    now = utcnow()
    for old in db.session.scalars(
        select(Invitation).where(
            func.lower(Invitation.email) == email.lower(),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        old.revoked_at = now
    token, hashed = new_token()
    max_age = current_app.config["CRM_TOKEN_MAX_AGE_INVITE"]
    invitation = Invitation(
        company_id=company.id,
        email=email,
        role=role,
        token_hash=hashed,
        invited_by_id=invited_by.id if invited_by is not None else None,
        created_at=now,
        expires_at=now + timedelta(seconds=max_age),
    )
    db.session.add(invitation)
    db.session.flush()
    record("invitation_sent", f"{email} as {role}", company_id=company.id)
    db.session.commit()
    return invitation, token


def send_invitation_mail(invitation: Invitation, token: str, company: Company, inviter: User | None) -> None:
    """Email the invitation link (built from ``CRM_BASE_URL``, never the request's host)."""
    from crm_platform.mail import send_mail

    name = " ".join(company.name.split())
    link = f"{current_app.config['CRM_BASE_URL']}{url_for('invitations.accept', token=token)}"
    days = max(1, current_app.config["CRM_TOKEN_MAX_AGE_INVITE"] // 86400)
    who = f"{inviter.display_name} invited you" if inviter is not None else "You are invited"
    send_mail(
        invitation.email,
        f"Join {name} on the CRM",
        f"Hello,\n\n{who} to join {name} as {ROLE_LABELS.get(invitation.role, invitation.role)}.\n\n"
        f"Open this link within {days} day{'s' if days != 1 else ''} to accept:\n\n{link}\n\n"
        "If you did not expect this invitation, ignore this message.\n" + _email_footer(company),
    )


def _email_footer(company: Company) -> str:
    """The company's email footer (Settings → Branding), as plain text after a signature line."""
    from crm_platform import tenancy
    from crm_platform.themes.models import Branding

    with tenancy.company_scope(company.id):
        footer = db.session.scalar(select(Branding.email_footer))
    return f"\n-- \n{footer}\n" if footer else ""


def revoke_invitation(invitation: Invitation) -> None:
    """Revoke a pending invitation of the current company. Records ``invitation_revoked``; commits."""
    from crm_platform.audit.service import record

    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise CompanyError("That invitation was already accepted or revoked.")
    invitation.revoked_at = utcnow()
    record("invitation_revoked", invitation.email)
    db.session.commit()


def find_live_invitation(token: str) -> tuple[Invitation, Company] | None:
    """The pending invitation for a clear-text ``token`` and its (active) company, or None."""
    with tenancy.unscoped():  # the visitor has no company yet: the look-up is by token hash only
        invitation = db.session.scalars(select(Invitation).where(Invitation.token_hash == token_hash(token))).first()
    if invitation is None or not invitation_is_pending(invitation):
        return None
    company = db.session.scalars(select(Company).where(Company.id == invitation.company_id)).first()
    if company is None or not company.is_active:
        return None
    return invitation, company


def accept_invitation(invitation: Invitation, company: Company, user: User) -> Membership | None:
    """Use the invitation for ``user``: membership in ``company`` with the invited role. Commits.

    Single use even under concurrent requests (a conditional UPDATE claims it). A user
    who already belongs to the company keeps the role they have. Returns None when the
    invitation was used or revoked in the meantime.
    """
    from crm_platform.audit.service import record

    with tenancy.company_scope(company.id):
        claimed = db.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
            .values(accepted_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            db.session.rollback()
            return None
        membership = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).first()
        if membership is None:
            membership = Membership(company_id=company.id, user_id=user.id, role=invitation.role)
            db.session.add(membership)
            db.session.flush()
            detail = f"{user.email} joined as {invitation.role}"
        else:
            detail = f"{user.email} was already a member ({membership.role})"
        record("invitation_accepted", detail, company_id=company.id, actor_id=user.id)
        db.session.commit()
    return membership


def company_members() -> list[User]:
    """The users of the current company, by name (for owner and assignee choices)."""
    stmt = select(User).join(Membership, Membership.user_id == User.id).order_by(User.name, User.email)
    return list(db.session.scalars(stmt))

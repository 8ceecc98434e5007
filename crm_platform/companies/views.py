"""The team (members and invitations), company settings, and accepting an invitation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, g, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from crm_platform.auth.models import User
from crm_platform.auth.sessions import start_session
from crm_platform.companies import service
from crm_platform.companies.forms import (
    AcceptAsNewUserForm,
    AcceptInvitationForm,
    CompanySettingsForm,
    InviteForm,
    RoleForm,
    role_choices,
)
from crm_platform.companies.models import ROLE_LABELS, ROLES, Invitation, Membership
from crm_platform.errors import htmx_redirect
from crm_platform.extensions import db, limiter
from crm_platform.permissions import allow_readonly, can_assign_role, has_permission, require_permission
from crm_platform.templating import render

bp = Blueprint("companies", __name__, url_prefix="/settings", template_folder="templates")
invite_bp = Blueprint("invitations", __name__, template_folder="templates")


# --- Team --------------------------------------------------------------------------------------


def _assignable_roles() -> list[str]:
    """Roles the current user may hand out (admins: everything but owner)."""
    return [role for role in ROLES if can_assign_role(g.role, role, role)]


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.role.choices = role_choices(_assignable_roles())
    return form


def _team_page(invite_form: InviteForm | None = None, error: str | None = None, status: int = 200) -> tuple[str, int]:
    members = db.session.scalars(
        select(Membership).join(User, User.id == Membership.user_id).order_by(User.name, User.email)
    ).all()
    return render(
        "companies/members.html",
        block="team",
        status=status,
        members=members,
        invitations=service.pending_invitations(),
        invite_form=invite_form or _invite_form(),
        error=error,
        roles=ROLES,
        role_labels=ROLE_LABELS,
        can_assign=lambda target, new=None: can_assign_role(g.role, target, new),
        is_pending=service.invitation_is_pending,
    )


def _membership_or_404(membership_id: int) -> Membership:
    return db.first_or_404(select(Membership).where(Membership.id == membership_id))


def _after_own_change(membership_user_id: int) -> Response:
    """Back to the team page, or to the dashboard when the actor just lost access to it."""
    if membership_user_id == current_user.id and not has_permission("users.manage"):
        return htmx_redirect(url_for("core.dashboard"))
    return htmx_redirect(url_for("companies.members"))


@bp.get("/members")
@login_required
@require_permission("users.manage")
def members() -> tuple[str, int]:
    """Members with their roles, pending invitations and the invite form."""
    return _team_page()


@bp.post("/members/<int:membership_id>/role")
@login_required
@require_permission("users.manage")
def change_role(membership_id: int) -> Response | tuple[str, int]:
    """Give a member another role (owners only grant or revoke the owner role)."""
    membership = _membership_or_404(membership_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _team_page(error="Choose one of the listed roles.", status=422)
    try:
        old_role = service.change_role(membership, form.role.data, g.role)
    except service.NotAllowed:
        abort(403)
    except service.CompanyError as exc:
        db.session.rollback()
        return _team_page(error=str(exc), status=422)
    db.session.commit()
    if membership.user_id == current_user.id:
        g.role = membership.role
    if old_role != membership.role:
        flash(f"{membership.user.display_name} is now {ROLE_LABELS[membership.role]}.", "success")
    return _after_own_change(membership.user_id)


@bp.post("/members/<int:membership_id>/remove")
@login_required
@require_permission("users.manage")
def remove_member(membership_id: int) -> Response | tuple[str, int]:
    """Take a member out of the company (their account and other companies stay)."""
    membership = _membership_or_404(membership_id)
    user_id, name = membership.user_id, membership.user.display_name
    try:
        service.remove_member(membership, g.role)
    except service.NotAllowed:
        abort(403)
    except service.CompanyError as exc:
        db.session.rollback()
        return _team_page(error=str(exc), status=422)
    db.session.commit()
    flash(f"{name} was removed from {g.company.name}.", "success")
    if user_id == current_user.id:
        return htmx_redirect(url_for("core.dashboard"))
    return htmx_redirect(url_for("companies.members"))


@bp.post("/invitations")
@login_required
@require_permission("users.manage")
def invite() -> Response | tuple[str, int]:
    """Invite somebody by email with a role; the link is mailed to them."""
    form = _invite_form()
    if not form.validate_on_submit():
        return _team_page(invite_form=form, status=422)
    try:
        invitation, token = service.create_invitation(g.company, form.email.data, form.role.data, current_user, g.role)
    except service.NotAllowed:
        abort(403)
    except service.CompanyError as exc:
        db.session.rollback()
        form.email.errors.append(str(exc))
        return _team_page(invite_form=form, status=422)
    service.send_invitation_mail(invitation, token, g.company, current_user)
    flash(f"Invitation sent to {invitation.email}.", "success")
    return htmx_redirect(url_for("companies.members"))


@bp.post("/invitations/<int:invitation_id>/revoke")
@login_required
@require_permission("users.manage")
def revoke_invitation(invitation_id: int) -> Response | tuple[str, int]:
    """Revoke a pending invitation: its link stops working."""
    invitation = db.first_or_404(select(Invitation).where(Invitation.id == invitation_id))
    try:
        service.revoke_invitation(invitation)
    except service.CompanyError as exc:
        return _team_page(error=str(exc), status=422)
    flash(f"The invitation to {invitation.email} was revoked.", "success")
    return htmx_redirect(url_for("companies.members"))


# --- Company settings --------------------------------------------------------------------------


@bp.route("/company", methods=["GET", "POST"])
@login_required
@require_permission("company.manage")
def settings() -> Response | tuple[str, int]:
    """Rename the company (its display name) and set its default phone region."""
    from crm_platform.audit.service import record

    form = CompanySettingsForm(obj=g.company)
    if form.validate_on_submit():
        old_name = g.company.name
        try:
            service.rename_company(g.company, form.name.data)
        except service.CompanyError as exc:
            form.name.errors.append(str(exc))
            return render("companies/settings.html", form=form, status=422)
        if g.company.name != old_name:
            record("company_renamed", f"{old_name} → {g.company.name}")
        if (form.phone_region.data or "") != (g.company.phone_region or ""):
            record("phone_region_changed", f"{g.company.phone_region or 'none'} → {form.phone_region.data or 'none'}")
            g.company.phone_region = form.phone_region.data or ""
        db.session.commit()
        flash("Company settings saved.", "success")
        return htmx_redirect(url_for("companies.settings"))
    return render("companies/settings.html", form=form, status=422 if request.method == "POST" else 200)


# --- Accepting an invitation (public) ----------------------------------------------------------


def _accept_limit() -> str:
    return current_app.config["CRM_LOGIN_RATE_LIMIT"]


def _invalid() -> tuple[str, int]:
    return render("companies/invite_invalid.html", status=404)


def _invitee(email: str) -> User | None:
    from crm_platform.auth.views import find_user_by_email

    return find_user_by_email(email)


@invite_bp.route("/invite/<token>", methods=["GET", "POST"])
@allow_readonly
@limiter.limit(_accept_limit, methods=["POST"])
def accept(token: str) -> Response | tuple[str, int]:
    """Show an invitation (GET changes nothing) and accept it (POST).

    Somebody without an account (or with an account that never had a password)
    chooses a name and password here; an existing user must be signed in as the
    invited address first.
    """
    found = service.find_live_invitation(token)
    if found is None:
        return _invalid()
    invitation, company = found
    invitee = _invitee(invitation.email)
    if invitee is not None and not invitee.is_active:
        return _invalid()
    page: dict[str, Any] = {"invitation": invitation, "company": company, "role_label": ROLE_LABELS.get(invitation.role)}
    if current_user.is_authenticated and current_user.email.lower() != invitation.email.lower():
        status = 403 if request.method == "POST" else 200
        return render("companies/invite.html", state="wrong_user", status=status, **page)
    if invitee is None or invitee.password_hash is None:
        return _accept_as_new_user(token, invitation, company, invitee, page)
    if not current_user.is_authenticated:
        login_url = url_for("auth.login", next=url_for("invitations.accept", token=token))
        if request.method == "POST":
            return htmx_redirect(login_url)
        return render("companies/invite.html", state="sign_in", login_url=login_url, **page)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        membership = service.accept_invitation(invitation, company, current_user._get_current_object())
        if membership is None:
            return _invalid()
        session["company_id"] = company.id
        flash(f"Welcome to {company.name}.", "success")
        return htmx_redirect(url_for("core.dashboard"))
    already = any(m.company_id == company.id for m in g.get("memberships", []))
    status = 422 if request.method == "POST" else 200
    return render("companies/invite.html", state="confirm", form=form, already_member=already, status=status, **page)


def _accept_as_new_user(
    token: str, invitation: Invitation, company: Any, invitee: User | None, page: dict[str, Any]
) -> Response | tuple[str, int]:
    """Create the account (or set the first password) and join the company."""
    form = AcceptAsNewUserForm()
    if form.validate_on_submit():
        user = service.get_or_create_user(invitation.email, form.name.data, form.password.data)
        user.name = " ".join(form.name.data.split())
        membership = service.accept_invitation(invitation, company, user)
        if membership is None:
            return _invalid()
        start_session(user)
        session["company_id"] = company.id
        flash(f"Welcome to {company.name}.", "success")
        return htmx_redirect(url_for("core.dashboard"))
    status = 422 if request.method == "POST" else 200
    return render("companies/invite.html", state="new_user", form=form, status=status, **page)

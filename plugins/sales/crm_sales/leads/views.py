"""Leads pages: the list (filters, sort by score or date, keyset pages), entry, detail, qualify, convert."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Response, abort, flash, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from crm_platform.plugins import Organization, Person, db, has_permission, htmx_redirect, require_permission, parse_id
from crm_sales import services as sales
from crm_sales.blueprint import bp, page
from crm_sales.leads import scoring
from crm_sales.leads.forms import LeadForm
from crm_sales.leads.services import LeadError, convert, create_lead, get_lead, lead_page, set_status, sources, update_lead
from crm_sales.models import Deal
from crm_sales.models_leads import LEAD_STATUSES, STATUS_LABELS

SORTS = (("score", "Highest score"), ("created", "Newest"))


@bp.get("/leads")
@login_required
@require_permission("sales.view")
def leads() -> tuple[str, int]:
    """Leads filtered by status, owner and source, by score or newest first, one keyset page at a time."""
    status = request.args.get("status", "")
    status = status if status in STATUS_LABELS else ""
    owner = request.args.get("owner", "")
    owner_id = parse_id(owner)
    source = (request.args.get("source") or "").strip()[:60]
    sort = request.args.get("sort", "score")
    sort = sort if sort in dict(SORTS) else "score"
    cursor = request.args.get("cursor") or None
    rows, next_cursor = lead_page(status or None, owner_id, source or None, sort, cursor)
    chosen = {k: v for k, v in (("status", status), ("owner", owner_id), ("source", source), ("sort", sort)) if v not in ("", None)}
    return page(
        "sales/leads/list.html", block="results",
        leads=rows, next_cursor=next_cursor, first_page=not cursor, chosen=chosen, statuses=LEAD_STATUSES,
        owners=sales.member_choices(), sources=sources(), sorts=SORTS,
    )


@bp.get("/leads/new")
@login_required
@require_permission("sales.edit")
def new_lead() -> tuple[str, int]:
    """The form for a lead typed in by hand."""
    return page("sales/leads/form.html", form=LeadForm(formdata=None, owner_id=current_user.id, source="manual"), lead=None)


@bp.post("/leads")
@login_required
@require_permission("sales.edit")
def create_lead_view() -> Response | tuple[str, int]:
    """Add a lead; 422 with the form and its errors."""
    form = LeadForm()
    if not form.validate_on_submit():
        return page("sales/leads/form.html", form=form, lead=None, status=422)
    lead = create_lead(form.cleaned, owner_id=form.owner_id.data)
    db.session.commit()
    flash(f"Lead {lead.name} was added (score {lead.score}).", "success")
    return htmx_redirect(url_for("sales.lead", sales_lead_id=lead.id))


@bp.get("/leads/<int:sales_lead_id>")
@login_required
@require_permission("sales.view")
def lead(sales_lead_id: int) -> tuple[str, int]:
    """A lead: what they sent, its score explained, and qualify / disqualify / convert."""
    row = get_lead(sales_lead_id)
    person = db.session.scalars(select(Person).where(Person.id == row.person_id)).first() if row.person_id else None
    organization = (
        db.session.scalars(select(Organization).where(Organization.id == row.organization_id)).first()
        if row.organization_id else None
    )
    deal = db.session.scalars(select(Deal).where(Deal.id == row.deal_id)).first() if row.deal_id else None
    return page(
        "sales/leads/detail.html", lead=row, person=person, organization=organization, deal=deal,
        breakdown=scoring.breakdown(row), describe=scoring.describe, can_configure=has_permission("sales.configure"),
    )


@bp.route("/leads/<int:sales_lead_id>/edit", methods=["GET", "POST"])
@login_required
@require_permission("sales.edit")
def edit_lead(sales_lead_id: int) -> Response | tuple[str, int]:
    """Edit a lead's details; its score is recomputed."""
    row = get_lead(sales_lead_id)
    form = LeadForm(obj=row)
    if form.validate_on_submit():
        update_lead(row, form.cleaned, form.owner_id.data)
        db.session.commit()
        flash(f"Lead {row.name} was saved.", "success")
        return htmx_redirect(url_for("sales.lead", sales_lead_id=row.id))
    return page("sales/leads/form.html", form=form, lead=row, status=422 if form.is_submitted() else 200)


def _status_action(sales_lead_id: int, status: str, message: str) -> Response:
    row = get_lead(sales_lead_id)
    try:
        set_status(row, status)
    except LeadError as exc:
        abort(422, str(exc))
    db.session.commit()
    flash(message.format(name=row.name), "success")
    return htmx_redirect(url_for("sales.lead", sales_lead_id=row.id))


@bp.post("/leads/<int:sales_lead_id>/qualify")
@login_required
@require_permission("sales.edit")
def qualify_lead(sales_lead_id: int) -> Response:
    """Mark a lead qualified."""
    return _status_action(sales_lead_id, "qualified", "{name} is qualified.")


@bp.post("/leads/<int:sales_lead_id>/disqualify")
@login_required
@require_permission("sales.edit")
def disqualify_lead(sales_lead_id: int) -> Response:
    """Mark a lead disqualified."""
    return _status_action(sales_lead_id, "disqualified", "{name} is disqualified.")


@bp.post("/leads/<int:sales_lead_id>/reopen")
@login_required
@require_permission("sales.edit")
def reopen_lead(sales_lead_id: int) -> Response:
    """Put a disqualified lead back to new."""
    return _status_action(sales_lead_id, "new", "{name} is back among the new leads.")


@bp.post("/leads/<int:sales_lead_id>/convert")
@login_required
@require_permission("sales.edit")
def convert_lead(sales_lead_id: int) -> Response:
    """Convert the lead into a person, an organization and a deal in one step."""
    row = get_lead(sales_lead_id)
    title = (request.form.get("deal_title") or "").strip()
    if len(title) > 200:
        abort(422, "Keep the deal title under 200 characters.")
    raw = (request.form.get("value") or "").strip().replace(",", "")
    value = None
    if raw:
        try:
            value = Decimal(raw)
        except InvalidOperation:
            abort(422, "The deal value must be an amount such as 12500.")
        if not value.is_finite() or value < 0 or value > sales.MAX_VALUE:
            abort(422, "The deal value must be between 0 and 9,999,999,999.")
        value = value.quantize(Decimal("0.01"))
    try:
        deal = convert(row, title, value)
    except LeadError as exc:
        abort(422, str(exc))
    db.session.commit()
    flash(f"{row.name} was converted: a person, {'an organization, ' if row.organization_id else ''}and the deal {deal.title}.", "success")
    return htmx_redirect(url_for("sales.deal", sales_deal_id=deal.id))

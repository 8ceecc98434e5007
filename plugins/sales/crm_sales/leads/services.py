"""Lead rules: create, update, qualify, disqualify, and one-step conversion into contacts and a deal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_login import current_user
from sqlalchemy import func, select

from crm_platform.plugins import Organization, Person, add_activity, create_organization, create_person, db, is_digits
from crm_sales import services as sales
from crm_sales.leads import scoring
from crm_sales.models import Deal, DealPerson, utcnow
from crm_sales.models_leads import Lead

LIST_SIZE = 50


class LeadError(ValueError):
    """A lead rule was broken; the message is for the user (422)."""


def get_lead(lead_id: int) -> Lead:
    """The lead ``lead_id`` of the current company, else 404."""
    return db.first_or_404(select(Lead).where(Lead.id == lead_id))


def create_lead(values: dict[str, str], owner_id: int | None = None, company_rules: Any = None) -> Lead:
    """Add a lead from cleaned values (see :func:`crm_sales.leads.fields.clean_lead`) and score it."""
    lead = Lead(status="new", owner_id=owner_id, **values)
    db.session.add(lead)
    scoring.score_leads([lead], company_rules)
    db.session.flush()
    return lead


def update_lead(lead: Lead, values: dict[str, str], owner_id: int | None) -> None:
    """Change a lead's fields and owner, and score it again."""
    for name, value in values.items():
        setattr(lead, name, value)
    lead.owner_id = owner_id
    scoring.score_leads([lead])


def set_status(lead: Lead, status: str) -> None:
    """Qualify or disqualify a lead (a converted lead stays converted)."""
    if lead.status == "converted":
        raise LeadError("This lead was converted already.")
    if status not in ("new", "qualified", "disqualified"):
        raise LeadError("Unknown status.")
    lead.status = status


def split_name(name: str) -> tuple[str, str]:
    """``"Ada King Lovelace"`` → ``("Ada King", "Lovelace")``; one word is a last name."""
    parts = name.split()
    if len(parts) <= 1:
        return "", name[:100]
    return " ".join(parts[:-1])[:100], parts[-1][:100]


def find_or_create_organization(name: str) -> Organization | None:
    """The company's organization called ``name`` (case-insensitive), else a new one; None without a name."""
    name = " ".join(name.split())[:200]
    if not name:
        return None
    stmt = select(Organization).order_by(Organization.id).limit(1)
    found = db.session.scalars(stmt.where(Organization.name == name)).first()
    if found is None:
        found = db.session.scalars(stmt.where(func.lower(Organization.name) == name.lower())).first()
    if found is not None:
        return found
    organization = Organization(name=name)
    create_organization(organization)
    return organization


def convert(lead: Lead, deal_title: str = "", value: Decimal | None = None) -> Deal:
    """Turn a lead into a person, an organization (reused by name) and a deal in the first stage.

    The person's timeline gets an entry saying it came from the lead, with its source and
    message. The lead stays, marked converted, with links to what it became.
    """
    if lead.status == "converted":
        raise LeadError("This lead was converted already.")
    if lead.status == "disqualified":
        raise LeadError("Qualify the lead before converting it.")
    pipelines = sales.pipelines()
    if not pipelines or not pipelines[0].stages:
        raise LeadError("Set up a pipeline with at least one stage first (Settings → Pipelines).")
    stage = pipelines[0].stages[0]
    organization = find_or_create_organization(lead.organization_name)
    first, last = split_name(lead.name)
    owner_id = lead.owner_id or (current_user.id if getattr(current_user, "is_authenticated", False) else None)
    person = Person(
        first_name=first, last_name=last, email=lead.email, phone=lead.phone, lifecycle_stage="prospect",
        organization_id=organization.id if organization else None, owner_id=owner_id,
    )
    create_person(person)
    title = (deal_title or "").strip()[:200] or f"{organization.name if organization else lead.name} – new business"
    deal = Deal(
        title=title, currency=sales.default_currency(), value=value or Decimal("0.00"), pipeline_id=stage.pipeline_id,
        stage_id=stage.id, owner_id=owner_id, organization_id=organization.id if organization else None,
    )
    sales.create_deal(deal)
    db.session.add(DealPerson(deal_id=deal.id, person_id=person.id, role="decision_maker"))
    body = f"Converted from lead {lead.name}"
    body += f" (source: {lead.source})" if lead.source else " (no source)"
    body += f". Message: {lead.message}" if lead.message else ". No message."
    add_activity("lead_converted", body, person=person, organization=organization)
    lead.status, lead.converted_at = "converted", utcnow()
    lead.person_id, lead.organization_id, lead.deal_id = person.id, organization.id if organization else None, deal.id
    db.session.flush()
    scoring.score_leads([lead])
    return deal


def lead_page(
    status: str | None = None, owner_id: int | None = None, source: str | None = None,
    sort: str = "score", cursor: str | None = None, limit: int = LIST_SIZE,
) -> tuple[list[Lead], str | None]:
    """One keyset page of leads (by score or newest first) and the cursor of the next page."""
    stmt = select(Lead)
    if status:
        stmt = stmt.where(Lead.status == status)
    if owner_id is not None:
        stmt = stmt.where(Lead.owner_id == owner_id)
    if source:
        stmt = stmt.where(Lead.source == source)
    if sort == "score":
        if cursor and ":" in cursor:
            score_text, _, id_text = cursor.partition(":")
            if is_digits(score_text.removeprefix("-")) and is_digits(id_text):
                score, last = int(score_text), int(id_text)
                stmt = stmt.where((Lead.score < score) | ((Lead.score == score) & (Lead.id < last)))
        stmt = stmt.order_by(Lead.score.desc(), Lead.id.desc())
    else:
        if cursor and is_digits(cursor):
            stmt = stmt.where(Lead.id < int(cursor))
        stmt = stmt.order_by(Lead.id.desc())
    rows = list(db.session.scalars(stmt.limit(limit + 1)).unique())
    if len(rows) <= limit:
        return rows, None
    last_row = rows[limit - 1]
    return rows[:limit], f"{last_row.score}:{last_row.id}" if sort == "score" else str(last_row.id)


def sources(limit: int = 50) -> list[str]:
    """The sources the company's leads came from (for the filter)."""
    stmt = select(Lead.source).where(Lead.source != "").group_by(Lead.source).order_by(Lead.source).limit(limit)
    return list(db.session.scalars(stmt))


def person_leads(person: Any) -> list[Lead]:
    """Leads converted into ``person`` or carrying their email (personal data export and erase)."""
    stmt = select(Lead).where(Lead.person_id == person.id)
    if person.email:
        stmt = select(Lead).where((Lead.person_id == person.id) | (func.lower(Lead.email) == person.email.lower()))
    return list(db.session.scalars(stmt.order_by(Lead.id)).unique())

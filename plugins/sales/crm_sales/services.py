"""Sales rules: default pipeline, deal values, stage moves, won/lost, and the deal timeline.

Views and hooks call these; every query is scoped to the current company by the core.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from flask_login import current_user
from sqlalchemy import func, select

from crm_platform.contacts.models import Activity, Organization, Person
from crm_platform.plugins import db, get_setting, is_digits
from crm_sales.currencies import is_currency
from crm_sales.events import emit_deal_event, stage_data
from crm_sales.models import CENT, Deal, DealActivity, DealPerson, LineItem, Pipeline, Stage, line_total, utcnow

DEFAULT_STAGES: tuple[tuple[str, int, int], ...] = (
    ("Lead in", 10, 14),
    ("Qualified", 25, 21),
    ("Proposal", 50, 14),
    ("Negotiation", 75, 10),
)
POSITION_STEP = 1024
MAX_VALUE = Decimal("9999999999.99")  # Numeric(12, 2)


class SalesError(ValueError):
    """A rule was broken; the message is meant for the user (shown with a 422)."""


# Pipelines and stages ---------------------------------------------------------------


def add_default_stages(pipeline: Pipeline) -> None:
    """Give ``pipeline`` the standard stages (Lead in 10 %, Qualified 25 %, Proposal 50 %, Negotiation 75 %)."""
    for index, (name, probability, rotting) in enumerate(DEFAULT_STAGES):
        db.session.add(
            Stage(pipeline=pipeline, name=name, position=index, probability=probability, rotting_days=rotting)
        )


def ensure_default_pipeline() -> Pipeline | None:
    """Create the default pipeline when the current company has none (idempotent)."""
    if db.session.scalar(select(func.count()).select_from(Pipeline)):
        return None
    pipeline = Pipeline(name="Sales pipeline", position=0)
    db.session.add(pipeline)
    add_default_stages(pipeline)
    db.session.flush()
    return pipeline


def pipelines() -> list[Pipeline]:
    """Every pipeline of the company, in order, with their stages."""
    return list(db.session.scalars(select(Pipeline).order_by(Pipeline.position, Pipeline.id)))


def get_pipeline(pipeline_id: int) -> Pipeline:
    """The pipeline ``pipeline_id`` of the current company, else 404."""
    return db.first_or_404(select(Pipeline).where(Pipeline.id == pipeline_id))


def get_stage(stage_id: int) -> Stage:
    """The stage ``stage_id`` of the current company, else 404."""
    return db.first_or_404(select(Stage).where(Stage.id == stage_id))


def find_person(person_id: Any) -> Person | None:
    """The person ``person_id`` (an id or its text) of the current company, else None."""
    text = str(person_id or "")
    if not is_digits(text):
        return None
    return db.session.scalars(select(Person).where(Person.id == int(text))).first()


def get_deal(deal_id: int) -> Deal:
    """The deal ``deal_id`` of the current company, else 404."""
    return db.first_or_404(select(Deal).where(Deal.id == deal_id))


def renumber_stages(pipeline: Pipeline) -> None:
    """Make the stage positions 0, 1, 2… in their current order."""
    for index, stage in enumerate(sorted(pipeline.stages, key=lambda s: (s.position, s.id))):
        stage.position = index


def move_stage(stage: Stage, offset: int) -> None:
    """Move a stage one place up (-1) or down (+1) in its pipeline."""
    pipeline = stage.pipeline
    renumber_stages(pipeline)
    ordered = sorted(pipeline.stages, key=lambda s: s.position)
    index = ordered.index(stage)
    target = index + offset
    if 0 <= target < len(ordered):
        ordered[index].position, ordered[target].position = ordered[target].position, ordered[index].position


def delete_stage(stage: Stage) -> None:
    """Delete an empty stage; a stage that still holds deals cannot go."""
    if db.session.scalar(select(func.count()).select_from(Deal).where(Deal.stage_id == stage.id)):
        raise SalesError(f"{stage.name} still holds deals. Move them to another stage first.")
    if len(stage.pipeline.stages) <= 1:
        raise SalesError("A pipeline needs at least one stage.")
    pipeline = stage.pipeline
    db.session.delete(stage)
    db.session.flush()
    db.session.expire(pipeline, ["stages"])
    renumber_stages(pipeline)


# Deals ------------------------------------------------------------------------------


def default_currency() -> str:
    """The company's default deal currency (plugin setting ``currency``, else EUR)."""
    code = get_setting("sales", "currency")
    return code if is_currency(code) else "EUR"


def line_items_total(items: Sequence[LineItem]) -> Decimal:
    """The sum of the line totals, to the cent."""
    return sum((line_total(i.quantity, i.unit_price, i.discount) for i in items), Decimal("0.00")).quantize(CENT)


def refresh_value(deal: Deal) -> None:
    """A deal with line items is worth their total; without any, its value stays as typed."""
    items = list(db.session.scalars(select(LineItem).where(LineItem.deal_id == deal.id)))
    if items:
        deal.value = line_items_total(items)


def end_position(stage_id: int) -> int:
    """A position after every deal already in stage ``stage_id``."""
    last = db.session.scalar(select(func.max(Deal.position)).where(Deal.stage_id == stage_id))
    return (last or 0) + POSITION_STEP


def create_deal(deal: Deal) -> None:
    """Add a new open deal at the end of its stage's column."""
    deal.state = "open"
    deal.position = end_position(deal.stage_id)
    deal.stage_changed_at = utcnow()
    db.session.add(deal)
    db.session.flush()


def primary_person(deal: Deal) -> Person | None:
    """The person a deal's timeline entries are about: the first one added to it."""
    link = db.session.scalars(
        select(DealPerson).where(DealPerson.deal_id == deal.id).order_by(DealPerson.id).limit(1)
    ).first()
    return link.person if link else None


def log_activity(deal: Deal, kind: str, body: str) -> Activity:
    """Write a core timeline entry about the deal (its organization and/or primary person)."""
    person = primary_person(deal)
    organization_id = deal.organization_id or (person.organization_id if person else None)
    author_id = current_user.id if getattr(current_user, "is_authenticated", False) else None
    activity = Activity(
        kind=kind, body=body, person_id=person.id if person else None, organization_id=organization_id, author_id=author_id
    )
    db.session.add(activity)
    db.session.flush()
    db.session.add(DealActivity(deal_id=deal.id, activity_id=activity.id))
    return activity


def _column_positions(stage_id: int, exclude: int) -> list[tuple[int, int]]:
    rows = db.session.execute(
        select(Deal.id, Deal.position)
        .where(Deal.stage_id == stage_id, Deal.state == "open", Deal.id != exclude)
        .order_by(Deal.position, Deal.id)
    )
    return [(row.id, row.position) for row in rows]


def place_in_column(deal: Deal, stage_id: int, after_id: int | None, index: int | None) -> None:
    """Give ``deal`` a position in stage ``stage_id``: after deal ``after_id``, at ``index``, or at the end."""
    column = _column_positions(stage_id, deal.id)
    ids = [deal_id for deal_id, _ in column]
    if after_id is not None and after_id in ids:
        slot = ids.index(after_id) + 1
    elif after_id is None and index is not None:
        slot = max(0, min(index, len(column)))
    else:
        slot = len(column)
    before = column[slot - 1][1] if slot > 0 else None
    after = column[slot][1] if slot < len(column) else None
    if before is None and after is None:
        deal.position = 0
    elif before is None:
        deal.position = after - POSITION_STEP
    elif after is None:
        deal.position = before + POSITION_STEP
    elif after - before > 1:
        deal.position = (before + after) // 2
    else:  # no gap left: spread the column out again
        ordered = [*ids[:slot], deal.id, *ids[slot:]]
        positions = {deal_id: (n + 1) * POSITION_STEP for n, deal_id in enumerate(ordered)}
        for row in db.session.scalars(select(Deal).where(Deal.id.in_(ids))):
            row.position = positions[row.id]
        deal.position = positions[deal.id]


def move_deal(deal: Deal, stage: Stage, after_id: int | None = None, index: int | None = None) -> Stage | None:
    """Move an open deal to ``stage`` (of its pipeline) at a place in the column.

    Returns the stage it left when the stage changed (and writes the timeline entry),
    else None. Raises :class:`SalesError` for a closed deal or a stage of another pipeline.
    """
    if deal.state != "open":
        raise SalesError("Only open deals move between stages. Reopen the deal first.")
    if stage.pipeline_id != deal.pipeline_id:
        raise SalesError(f"The stage {stage.name} belongs to another pipeline.")
    previous = deal.stage
    place_in_column(deal, stage.id, after_id, index)
    if previous.id == stage.id:
        return None
    change_stage(deal, stage)
    return previous


def change_stage(deal: Deal, stage: Stage) -> None:
    """Record a stage change: the time, and the entry ``Deal X moved from A to B``."""
    previous = deal.stage
    deal.stage_id = stage.id
    deal.stage = stage
    deal.pipeline_id = stage.pipeline_id
    deal.stage_changed_at = utcnow()
    log_activity(deal, "deal_stage_changed", f"Deal {deal.title} moved from {previous.name} to {stage.name}")
    emit_deal_event("deal.stage_changed", deal, previous_stage=stage_data(previous))


def mark_won(deal: Deal) -> Activity:
    """Close an open deal as won; returns the timeline entry."""
    from crm_sales.blueprint import money

    if deal.state != "open":
        raise SalesError("This deal is already closed.")
    deal.state, deal.lost_reason, deal.closed_at = "won", "", utcnow()
    activity = log_activity(deal, "deal_won", f"Deal {deal.title} was won ({money(deal.value, deal.currency)})")
    emit_deal_event("deal.won", deal)
    return activity


def mark_lost(deal: Deal, reason: str) -> Activity:
    """Close an open deal as lost, with the reason (required); returns the timeline entry."""
    reason = (reason or "").strip()
    if deal.state != "open":
        raise SalesError("This deal is already closed.")
    if not reason:
        raise SalesError("Say why the deal was lost.")
    if len(reason) > 500:
        raise SalesError("Keep the reason under 500 characters.")
    deal.state, deal.lost_reason, deal.closed_at = "lost", reason, utcnow()
    activity = log_activity(deal, "deal_lost", f"Deal {deal.title} was lost: {reason}")
    emit_deal_event("deal.lost", deal)
    return activity


def reopen(deal: Deal) -> None:
    """Open a won or lost deal again, at the end of its stage."""
    if deal.state == "open":
        raise SalesError("This deal is already open.")
    deal.state, deal.lost_reason, deal.closed_at = "open", "", None
    deal.position = end_position(deal.stage_id)
    log_activity(deal, "deal_reopened", f"Deal {deal.title} was reopened in {deal.stage.name}")


def deal_timeline(deal: Deal, limit: int = 50) -> list[Activity]:
    """The newest timeline entries about the deal."""
    stmt = (
        select(Activity)
        .join(DealActivity, DealActivity.activity_id == Activity.id)
        .where(DealActivity.deal_id == deal.id)
        .order_by(Activity.created_at.desc(), Activity.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt).unique())


def deals_of_person(person_id: int, limit: int = 50) -> list[tuple[Deal, str]]:
    """``(deal, role label)`` for every deal a person is involved in, newest first."""
    rows = db.session.scalars(
        select(DealPerson).where(DealPerson.person_id == person_id).order_by(DealPerson.deal_id.desc()).limit(limit)
    )
    return [(row.deal, row.role_label) for row in rows]


def deals_of_organization(organization_id: int, limit: int = 50) -> list[Deal]:
    """The deals of an organization, newest first."""
    stmt = select(Deal).where(Deal.organization_id == organization_id).order_by(Deal.id.desc()).limit(limit)
    return list(db.session.scalars(stmt).unique())


def organization_choices() -> list[tuple[int, str]]:
    """``(id, name)`` of the company's organizations."""
    rows = db.session.execute(select(Organization.id, Organization.name).order_by(Organization.name, Organization.id))
    return [(row.id, row.name) for row in rows]


def person_choices(exclude: Sequence[int] = ()) -> list[tuple[int, str]]:
    """``(id, name)`` of the company's people, without ``exclude``."""
    stmt = select(Person.id, Person.first_name, Person.last_name, Person.email).order_by(
        Person.last_name, Person.first_name, Person.id
    )
    if exclude:
        stmt = stmt.where(Person.id.not_in(list(exclude)))
    return [(r.id, f"{r.first_name} {r.last_name}".strip() or r.email or f"Person #{r.id}") for r in db.session.execute(stmt)]


def member_choices() -> list[tuple[int, str]]:
    """``(user id, name)`` of the company's members (deal owners)."""
    from crm_platform.companies.models import Membership

    memberships = db.session.scalars(select(Membership)).unique().all()
    return sorted(((m.user_id, m.user.display_name) for m in memberships), key=lambda pair: pair[1].lower())


def summary(rows: Any) -> dict[str, Any]:
    """Turn ``(currency, count, total, weighted)`` rows into totals per currency."""
    out: dict[str, Any] = {"count": 0, "total": {}, "weighted": {}}
    for currency, count, total, weighted in rows:
        out["count"] += count
        out["total"][currency] = Decimal(total or 0).quantize(CENT)
        out["weighted"][currency] = Decimal(weighted or 0).quantize(CENT)
    return out


def open_pipeline_summary() -> dict[str, Any]:
    """Open deals of the company: count, total and weighted value per currency (one query)."""
    stmt = (
        select(
            Deal.currency,
            func.count(Deal.id),
            func.sum(Deal.value),
            func.sum(Deal.value * Stage.probability / 100),
        )
        .join(Stage, Stage.id == Deal.stage_id)
        .where(Deal.state == "open")
        .group_by(Deal.currency)
        .order_by(Deal.currency)
    )
    return summary(db.session.execute(stmt))

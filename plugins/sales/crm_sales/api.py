"""The ``deals`` resource of the REST API (``crm_api_resources``): list, read, create, update.

Changes go through :mod:`crm_sales.services`, so a stage change or a win made through
the API writes the same timeline entries as the board does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer
from sqlalchemy import select

from crm_platform.plugins import ApiInput, ApiListQuery, ApiResource, ApiValidationError, api_page, db
from crm_sales import services
from crm_sales.currencies import CURRENCIES
from crm_sales.models import DEAL_STATES, Stage, aware
from crm_sales.models import Deal as DealRow

Money = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str)]
def _utc(value: datetime) -> datetime:
    try:
        return aware(value).astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValueError("This time is out of range.") from exc


UtcTime = Annotated[datetime, AfterValidator(_utc)]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
State = Literal[DEAL_STATES]  # type: ignore[valid-type]
Currency = Literal[CURRENCIES]  # type: ignore[valid-type]
MoneyIn = Annotated[Decimal, Field(ge=0, le=services.MAX_VALUE, max_digits=12, decimal_places=2, allow_inf_nan=False)]


class Deal(BaseModel):
    """A deal: its value (a decimal string, two places), stage, state and links."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    value: Money
    currency: str
    expected_close_date: date | None
    pipeline_id: int
    stage_id: int
    state: State
    lost_reason: str
    owner_id: int | None
    organization_id: int | None
    stage_changed_at: UtcTime
    closed_at: UtcTime | None
    created_at: UtcTime
    updated_at: UtcTime


class DealCreate(ApiInput):
    """A new open deal at the end of its stage's column."""

    title: Annotated[str, Field(min_length=1, max_length=200)]
    stage_id: Id = Field(description="A stage of one of the company's pipelines; the deal joins its pipeline.")
    value: MoneyIn = Decimal("0")
    currency: Currency | None = Field(default=None, description="ISO 4217 code; default: the company's currency.")
    expected_close_date: date | None = None
    owner_id: Id | None = None
    organization_id: Id | None = None


class DealUpdate(ApiInput):
    """Change a deal: only the fields sent. ``state`` wins, loses (with ``lost_reason``) or reopens it."""

    title: Annotated[str, Field(min_length=1, max_length=200)] = None  # type: ignore[assignment]
    stage_id: Id = Field(default=None, description="Move an open deal to this stage of its pipeline.")  # type: ignore[assignment]
    value: MoneyIn = None  # type: ignore[assignment]
    currency: Currency = None  # type: ignore[assignment]
    expected_close_date: date | None = None
    owner_id: Id | None = None
    organization_id: Id | None = None
    state: State = None  # type: ignore[assignment]
    lost_reason: Annotated[str, Field(max_length=500)] = None  # type: ignore[assignment]


class DealQuery(ApiListQuery):
    """Filters of the deals list (newest first); ``q`` searches titles."""

    pipeline_id: Id | None = None
    stage_id: Id | None = None
    state: State | None = None
    owner_id: Id | None = None
    organization_id: Id | None = None
    updated_since: UtcTime | None = None


def list_deals(query: DealQuery) -> Any:
    """Deals, newest first, filtered."""
    stmt = select(DealRow)
    for name in ("pipeline_id", "stage_id", "state", "owner_id", "organization_id"):
        value = getattr(query, name)
        if value is not None:
            stmt = stmt.where(getattr(DealRow, name) == value)
    if query.updated_since is not None:
        stmt = stmt.where(DealRow.updated_at >= query.updated_since)
    for term in (query.q or "").split()[:8]:
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(DealRow.title.ilike(pattern, escape="\\"))
    return api_page(stmt, (DealRow.id,), query, descending=True)


def _stage(stage_id: int) -> Stage:
    stage = db.session.scalars(select(Stage).where(Stage.id == stage_id)).first()
    if stage is None:
        raise ApiValidationError.one("stage_id", "No stage with this id in your company.")
    return stage


def _check_links(data: Any) -> None:
    from crm_platform.contacts.services import find_organization, member_ids

    sent = data.model_fields_set
    if "organization_id" in sent and data.organization_id is not None and find_organization(data.organization_id) is None:
        raise ApiValidationError.one("organization_id", "No organization with this id in your company.")
    if "owner_id" in sent and data.owner_id is not None and data.owner_id not in member_ids():
        raise ApiValidationError.one("owner_id", "No user with this id in your company.")


def create_deal(data: DealCreate) -> DealRow:
    """A new open deal in the stage's pipeline."""
    stage = _stage(data.stage_id)
    _check_links(data)
    currency = data.currency or services.default_currency()
    deal = DealRow(
        title=data.title, value=data.value, currency=currency, expected_close_date=data.expected_close_date,
        pipeline_id=stage.pipeline_id, stage_id=stage.id, owner_id=data.owner_id, organization_id=data.organization_id,
    )
    services.create_deal(deal)
    return deal


def _null_check(data: DealUpdate) -> None:
    for name in ("title", "stage_id", "value", "currency", "state", "lost_reason"):
        if name in data.model_fields_set and getattr(data, name) is None:
            raise ApiValidationError.one(name, "This field may not be null.")


def update_deal(deal: DealRow, data: DealUpdate) -> None:
    """Apply the fields sent; a stage or state change goes through the sales rules (422 if broken)."""
    _null_check(data)
    _check_links(data)
    sent = data.model_fields_set
    for name in ("title", "value", "currency", "expected_close_date", "owner_id", "organization_id"):
        if name in sent:
            setattr(deal, name, getattr(data, name))
    try:
        if "stage_id" in sent and data.stage_id != deal.stage_id:
            services.move_deal(deal, _stage(data.stage_id))
    except services.SalesError as exc:
        raise ApiValidationError.one("stage_id", str(exc)) from exc
    if "state" in sent and data.state != deal.state:
        try:
            if data.state == "won":
                services.mark_won(deal)
            elif data.state == "lost":
                services.mark_lost(deal, data.lost_reason or "")
            else:
                services.reopen(deal)
        except services.SalesError as exc:
            raise ApiValidationError.one("lost_reason" if data.state == "lost" else "state", str(exc)) from exc


RESOURCES: list[ApiResource] = [
    ApiResource(
        name="deals", model=DealRow, schema=Deal, title="Deals",
        description="Sales opportunities (sales plugin). Values are decimal strings with two places.",
        list=list_deals, query_schema=DealQuery,
        create=create_deal, create_schema=DealCreate,
        update=update_deal, update_schema=DealUpdate,
        view_permission="sales.view", edit_permission="sales.edit",
    )
]

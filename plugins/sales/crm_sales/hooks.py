"""Hook implementations of the sales plugin (the contract is docs/plugins.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, url_for
from markupsafe import Markup
from sqlalchemy import delete, select, update

from crm_platform.plugins import (
    DashboardWidget,
    Job,
    NavItem,
    Panel,
    Permission,
    SearchResult,
    SettingField,
    TimelineEntryType,
    WebhookEvent,
    db,
    has_permission,
    hookimpl,
    is_enabled,
)
from crm_sales.currencies import CURRENCIES
from crm_sales.models import Deal, DealActivity, DealPerson, Lead, LeadRule, LineItem, Pipeline, SalesTarget, Stage
from crm_sales import models_tasks  # noqa: F401,E402 - tasks and calendar tables
from crm_sales.automation import models as automation_models  # noqa: F401,E402 - automation tables
from crm_sales.hooks_tasks import task_nav_items, task_settings  # noqa: E402

PLUGIN = "sales"


@hookimpl
def crm_register_blueprints() -> list[Blueprint]:
    """The board, deals, pipeline settings and panels."""
    from crm_sales import views_board, views_deals, views_panels, views_parts, views_pipelines  # noqa: F401
    from crm_sales import views_forecast  # noqa: F401
    from crm_sales import views_calendar, views_tasks  # noqa: F401
    from crm_sales.automation import views as automation_views  # noqa: F401
    from crm_sales.blueprint import bp
    from crm_sales.leads import views, views_admin  # noqa: F401
    from crm_sales.leads.public import public_bp

    return [bp, public_bp]


@hookimpl
def crm_api_resources() -> list[Any]:
    """The ``deals`` resource of the REST API."""
    from crm_sales.api import RESOURCES

    return RESOURCES


@hookimpl
def crm_migration_locations() -> list[str]:
    """The ``sales`` Alembic branch."""
    return [str(Path(__file__).parent / "migrations" / "versions")]


@hookimpl
def crm_register_permissions() -> list[Permission]:
    """See deals (everybody), change them (not read-only), set up pipelines (owners, admins)."""
    return [
        Permission("sales.view", "See deals, pipelines and the board", ("owner", "admin", "member", "readonly")),
        Permission("sales.edit", "Create, change and move deals", ("owner", "admin", "member")),
        Permission("sales.configure", "Set up pipelines and stages", ("owner", "admin")),
        Permission("sales.targets", "Set sales targets per person and month", ("owner", "admin")),
    ]


@hookimpl
def crm_webhook_events() -> list[WebhookEvent]:
    """deal.stage_changed, deal.won and deal.lost (sent from crm_sales.services)."""
    from crm_sales.events import EVENTS

    return list(EVENTS)


@hookimpl
def crm_settings_fields() -> list[SettingField]:
    """The company's default deal currency."""
    return [
        SettingField(
            "currency", "Default currency", type="choice", default="EUR", required=True,
            choices=tuple((code, code) for code in CURRENCIES), help="New deals start in this currency (ISO 4217).",
        ),
        _lead_form_redirect_field(),
        *task_settings(),
    ]


def _lead_form_redirect_field() -> SettingField:
    from crm_sales.leads.public import redirect_problem

    return SettingField(
        "lead_form_redirect", "After the web form, send visitors to", validate=redirect_problem,
        help="A page of your website such as https://example.com/thanks. Empty: a thank-you page of the CRM.",
    )


def _render_entry(activity: Any) -> Markup:
    link = db.session.scalars(select(DealActivity.deal_id).where(DealActivity.activity_id == activity.id)).first()
    body = Markup("{}").format(activity.body)
    if link is None or not has_permission("sales.view"):
        return body
    return Markup('{} <a href="{}">Open deal</a>').format(body, url_for("sales.deal", sales_deal_id=link))


@hookimpl
def crm_timeline_entry_types() -> list[TimelineEntryType]:
    """Stage changes, wins, losses and reopened deals on the core timeline."""
    return [
        TimelineEntryType("deal_stage_changed", "Deal moved", icon="deal", render=_render_entry),
        TimelineEntryType("deal_won", "Deal won", icon="sales-won", render=_render_entry),
        TimelineEntryType("deal_lost", "Deal lost", icon="sales-lost", render=_render_entry),
        TimelineEntryType("deal_reopened", "Deal reopened", icon="deal", render=_render_entry),
        TimelineEntryType("lead_converted", "Converted from a lead", icon="inbox"),
    ]


@hookimpl
def crm_template_slot(slot: str, context: dict[str, Any]) -> Markup | None:
    """The plugin's stylesheet on every page (panels, widgets and timeline icons use it)."""
    if slot == "head":
        return Markup('<link rel="stylesheet" href="{}">').format(url_for("sales.static", filename="sales.css")) + Markup(
            '<link rel="stylesheet" href="{}">'
        ).format(url_for("sales.static", filename="tasks.css"))
    return None


@hookimpl
def crm_nav_items(user: Any, company: Any) -> list[NavItem]:
    """Deals (the board) after People and Organizations; pipeline settings for admins."""
    if company is None:
        return []
    return [
        NavItem("Deals", "sales.board", icon="deal", permission="sales.view", order=30),
        NavItem("Leads", "sales.leads", icon="inbox", permission="sales.view", order=29),
        NavItem("Forecast", "sales.forecast", icon="chart", permission="sales.view", order=31),
        NavItem("Lead scoring", "sales.lead_rules", icon="settings", permission="sales.configure", order=61, section="settings"),
        NavItem("Pipelines", "sales.pipelines", icon="settings", permission="sales.configure", order=60, section="settings"),
        *task_nav_items(),
    ]


@hookimpl
def crm_dashboard_widgets(user: Any, company: Any) -> list[DashboardWidget]:
    """Open pipeline: open deals, their total and weighted value."""
    from crm_sales.widgets import open_pipeline

    return [DashboardWidget("sales-open-pipeline", "Open pipeline", open_pipeline, order=15, permission="sales.view")]


@hookimpl
def crm_person_panels(person: Any) -> list[Panel]:
    """The person's deals, loaded lazily."""
    if not has_permission("sales.view"):
        return []
    return [Panel("sales-deals", "Deals", url_for("sales.person_panel", person_id=person.id), order=20)]


@hookimpl
def crm_organization_panels(organization: Any) -> list[Panel]:
    """The organization's deals, loaded lazily."""
    if not has_permission("sales.view"):
        return []
    return [Panel("sales-deals", "Deals", url_for("sales.organization_panel", organization_id=organization.id), order=20)]


@hookimpl
def crm_search(query: str, limit: int) -> list[SearchResult]:
    """Deals whose title contains the query."""
    if limit <= 0 or not has_permission("sales.view"):
        return []
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = select(Deal).where(Deal.title.ilike(pattern, escape="\\")).order_by(Deal.id.desc()).limit(limit)
    return [
        SearchResult(d.title, url_for("sales.deal", sales_deal_id=d.id), "Deal", snippet=f"{d.stage.name} · {d.state}")
        for d in db.session.scalars(stmt).unique()
    ]


@hookimpl
def crm_company_created(company: Any) -> None:
    """A new company that gets the plugin by default starts with the default pipeline."""
    from crm_sales.services import ensure_default_pipeline

    if is_enabled(PLUGIN, company.id):
        ensure_default_pipeline()


@hookimpl
def crm_plugin_enabled(company: Any, plugin: str) -> None:
    """Enabling the plugin creates the default pipeline (once)."""
    from crm_sales.services import ensure_default_pipeline

    if plugin == PLUGIN:
        ensure_default_pipeline()


@hookimpl
def crm_person_merged(survivor: Any, merged: Any) -> None:
    """Move the merged person's deal roles (a deal keeps one row per person) and converted leads to the survivor."""
    both = select(DealPerson.deal_id).where(DealPerson.person_id == survivor.id)
    db.session.execute(
        delete(DealPerson)
        .where(DealPerson.person_id == merged.id, DealPerson.deal_id.in_(both))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(DealPerson).where(DealPerson.person_id == merged.id).values(person_id=survivor.id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Lead).where(Lead.person_id == merged.id).values(person_id=survivor.id).execution_options(synchronize_session=False)
    )


@hookimpl
def crm_organization_merged(survivor: Any, merged: Any) -> None:
    """Move the merged organization's deals and converted leads to the survivor."""
    db.session.execute(
        update(Deal).where(Deal.organization_id == merged.id).values(organization_id=survivor.id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Lead).where(Lead.organization_id == merged.id).values(organization_id=survivor.id)
        .execution_options(synchronize_session=False)
    )


@hookimpl
def crm_person_deleted(person: Any) -> None:
    """Take the person off every deal."""
    db.session.execute(
        delete(DealPerson).where(DealPerson.person_id == person.id).execution_options(synchronize_session=False)
    )


@hookimpl
def crm_organization_deleted(organization: Any) -> None:
    """Its deals stay, without an organization."""
    db.session.execute(
        update(Deal).where(Deal.organization_id == organization.id).values(organization_id=None)
        .execution_options(synchronize_session=False)
    )


@hookimpl
def crm_personal_data_export(person: Any) -> dict[str, Any]:
    """The deals the person is involved in, and their role."""
    from crm_sales.leads.services import person_leads

    rows = db.session.scalars(select(DealPerson).where(DealPerson.person_id == person.id).order_by(DealPerson.id))
    out: dict[str, Any] = {
        "deals": [
            {"deal": row.deal.title, "role": row.role_label, "state": row.deal.state, "stage": row.deal.stage.name}
            for row in rows
        ]
    }
    leads = [
        {"name": lead.name, "email": lead.email, "phone": lead.phone, "organization": lead.organization_name,
         "source": lead.source, "message": lead.message, "status": lead.status,
         "created_at": lead.created_at.isoformat() if lead.created_at else None}
        for lead in person_leads(person)
    ]
    if leads:  # the leads the person sent, or that became them
        out["leads"] = leads
    return out


@hookimpl
def crm_personal_data_erase(person: Any) -> None:
    """Remove the person from every deal (deals themselves are the company's records); erase their leads."""
    from crm_sales.leads.services import person_leads

    crm_person_deleted(person)
    for lead in person_leads(person):
        db.session.delete(lead)


@hookimpl
def crm_purge_company_data(company: Any) -> None:
    """Delete every sales row of the company (children first)."""
    for model in (*automation_models.PURGE_ORDER, models_tasks.TaskReminder, models_tasks.CalendarFeed,
                  Lead, LeadRule, SalesTarget, DealActivity, LineItem, DealPerson, Deal, Stage, Pipeline):
        db.session.execute(delete(model).execution_options(synchronize_session=False))


@hookimpl(trylast=True)
def crm_load_demo_data(company: Any, faker: Any) -> None:
    """About 40 deals across the default pipeline, after the contacts' demo data."""
    from crm_sales import demo_leads
    from crm_sales.demo import load

    if is_enabled(PLUGIN, company.id):
        load(faker)
        demo_leads.load(faker)


@hookimpl
def crm_register_jobs() -> list[Job]:
    """Rescoring every lead after its company's scoring rules changed, task reminders and automation rules."""
    from crm_sales.hooks_tasks import task_jobs
    from crm_sales.leads.scoring import rescore_company

    return [Job("sales.rescore_leads", rescore_company, retries=2, retry_delay=10), *task_jobs()]

"""An example third-party plugin, installed by the test suite to prove the contract."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, request
from flask_login import login_required
from markupsafe import Markup
from sqlalchemy import delete, select

from crm_example.models import ExamplePing
from crm_platform.plugins import (
    DashboardWidget,
    NavItem,
    Panel,
    Permission,
    SettingField,
    TimelineEntryType,
    db,
    get_setting,
    hookimpl,
    htmx_redirect,
    render,
    require_permission,
)

CRM_CONTRACT_VERSION = "1.0"
CRM_DEFAULT_ENABLED = False

bp = Blueprint("example", __name__, url_prefix="/example", template_folder="templates")


@bp.get("/")
@login_required
@require_permission("example.use")
def index():
    """List this company's pings."""
    pings = db.session.scalars(select(ExamplePing).order_by(ExamplePing.id)).all()
    return render("example/index.html", pings=pings, greeting=get_setting("example", "greeting"))


@bp.post("/pings")
@login_required
@require_permission("example.use")
def add_ping():
    """Add a ping (a row of the plugin's own table)."""
    text = (request.form.get("text") or "").strip()
    if not text:
        abort(422, "Write something.")
    db.session.add(ExamplePing(text=text[:200]))
    db.session.commit()
    return htmx_redirect("/example/")


@bp.get("/people/<int:person_id>/panel")
@login_required
def person_panel(person_id: int):
    """The lazily loaded panel on a person's page."""
    from crm_platform.contacts.models import Person

    person = db.first_or_404(select(Person).where(Person.id == person_id))
    return render("example/panel.html", person=person)


@hookimpl
def crm_register_blueprints():
    """The plugin's pages."""
    return [bp]


@hookimpl
def crm_migration_locations():
    """The plugin's Alembic branch."""
    return [str(Path(__file__).parent / "migrations" / "versions")]


@hookimpl
def crm_register_permissions():
    """A permission of its own."""
    return [Permission("example.use", "Use the example plugin", ("owner", "admin", "member", "readonly"))]


@hookimpl
def crm_nav_items(user, company):
    """A sidebar entry."""
    return [NavItem("Example", "example.index", icon="dot", order=60)]


@hookimpl
def crm_dashboard_widgets(user, company):
    """A dashboard card."""
    count = len(db.session.scalars(select(ExamplePing.id)).all())
    return [DashboardWidget("example", "Example pings", lambda: Markup("<p>{} pings</p>").format(count))]


@hookimpl
def crm_person_panels(person):
    """A panel on every person's page."""
    return [Panel("example", "Example panel", f"/example/people/{person.id}/panel")]


@hookimpl
def crm_timeline_entry_types():
    """A timeline entry kind with its own rendering."""
    return [TimelineEntryType("example_ping", "Example ping", "dot", lambda a: Markup("<strong>Ping:</strong> {}").format(a.body))]


@hookimpl
def crm_settings_fields():
    """Per-company settings."""
    return [
        SettingField("greeting", "Greeting", default="Hello", required=True, help="Shown on the example page"),
        SettingField("limit", "Limit", type="int", default=5),
        SettingField("loud", "Loud", type="bool", default=False),
    ]


@hookimpl
def crm_purge_company_data(company):
    """Delete this company's rows."""
    db.session.execute(delete(ExamplePing))


@hookimpl
def crm_personal_data_export(person):
    """Nothing personal is kept, but say so explicitly."""
    return {"example": []}

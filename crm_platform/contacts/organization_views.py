"""Organizations: the list with search, the detail page with people and timeline, edits."""

from __future__ import annotations

from flask import Response, flash, request, url_for
from flask_login import login_required

from crm_platform.contacts import plugin_ui, services
from crm_platform.contacts.blueprint import bp, clean_filters
from crm_platform.contacts.forms import ActivityForm, OrganizationFilterForm, OrganizationForm
from crm_platform.contacts.models import Organization
from crm_platform.contacts.pagination import Page
from crm_platform.errors import htmx_redirect
from crm_platform.extensions import db
from crm_platform.permissions import require_permission
from crm_platform.templating import render


@bp.get("/organizations")
@login_required
@require_permission("records.view")
def organizations() -> tuple[str, int]:
    """Organizations by name, one keyset page; htmx requests get only the results block."""
    form = OrganizationFilterForm(request.args)
    if not form.validate():
        return render(
            "contacts/organizations_list.html", block="results", status=422,
            form=form, page=Page([]), filters={}, counts={}, columns=[],
        )
    page = services.organizations_page(form.q.data, form.cursor.data)
    counts = services.people_counts([org.id for org in page.items])
    return render(
        "contacts/organizations_list.html", block="results",
        form=form, page=page, filters=clean_filters(q=form.q.data), counts=counts,
        columns=plugin_ui.list_columns(page.items, "crm_organization_list_columns"),
    )


@bp.get("/organizations/options")
@login_required
@require_permission("records.view")
def organization_options() -> tuple[str, int]:
    """``<option>`` elements for the organization picker (htmx), matching ``organization_search``."""
    query = (request.args.get("organization_search") or "").strip()[:100]
    pairs, more = services.organization_choices(q=query, limit=50)
    return render("contacts/_organization_options.html", pairs=pairs, more=more, query=query)


@bp.get("/organizations/new")
@login_required
@require_permission("records.edit")
def new_organization() -> tuple[str, int]:
    """The form for a new organization."""
    return render("contacts/organization_form.html", form=OrganizationForm(), organization=None)


@bp.post("/organizations")
@login_required
@require_permission("records.edit")
def create_organization() -> Response | tuple[str, int]:
    """Create an organization; 422 with the errors when the form does not validate."""
    form = OrganizationForm()
    if not form.validate_on_submit():
        return render("contacts/organization_form.html", form=form, organization=None, status=422)
    organization = Organization()
    form.apply_to(organization)
    services.create_organization(organization)
    db.session.commit()
    flash(f"{organization.name} was added.", "success")
    return htmx_redirect(url_for("contacts.organization", organization_id=organization.id))


@bp.get("/organizations/<int:organization_id>")
@login_required
@require_permission("records.view")
def organization(organization_id: int) -> tuple[str, int]:
    """An organization's facts, people and timeline; ``?before=CURSOR`` shows older entries."""
    row = services.get_organization(organization_id)
    before = request.args.get("before") or None
    timeline = services.timeline_page(organization_id=row.id, before=before)
    return render(
        "contacts/organization_detail.html", block="timeline_page",
        organization=row, people=services.people_of(row), timeline=timeline, before=before, show_subject=True,
        note_form=ActivityForm(formdata=None),
        panels=plugin_ui.panels("crm_organization_panels", organization=row),
        actions=plugin_ui.actions("crm_organization_actions", organization=row),
        note_action=url_for("contacts.add_organization_activity", organization_id=row.id),
        timeline_url=url_for("contacts.organization", organization_id=row.id),
    )


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
@login_required
@require_permission("records.edit")
def edit_organization(organization_id: int) -> Response | tuple[str, int]:
    """Edit an organization; 422 with the errors when the form does not validate."""
    row = services.get_organization(organization_id)
    form = OrganizationForm(obj=row)
    if form.validate_on_submit():
        before = services.snapshot(row, services.ORGANIZATION_FIELDS)
        form.apply_to(row)
        services.update_organization(row, before)
        db.session.commit()
        flash(f"{row.name} was saved.", "success")
        return htmx_redirect(url_for("contacts.organization", organization_id=row.id))
    status = 422 if form.is_submitted() else 200
    return render("contacts/organization_form.html", form=form, organization=row, status=status)


@bp.post("/organizations/<int:organization_id>/delete")
@login_required
@require_permission("records.edit")
def delete_organization(organization_id: int) -> Response:
    """Delete an organization (its people stay, without an organization), then show the list."""
    row = services.get_organization(organization_id)
    name = row.name
    services.delete_organization(row)
    db.session.commit()
    flash(f"{name} was deleted. Its people were kept.", "success")
    return htmx_redirect(url_for("contacts.organizations"))

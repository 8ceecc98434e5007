"""Organizations: the list with search, the detail page with people and timeline, edits."""

from __future__ import annotations

from flask import Response, flash, request, url_for
from flask_login import login_required

from crm_platform.contacts import organization_listing, plugin_ui, services
from crm_platform.contacts.blueprint import bp, clean_filters
from crm_platform.contacts.forms import OrganizationFilterForm, OrganizationForm
from crm_platform.contacts.models import Organization
from crm_platform.contacts.inline_fields import fields_of
from crm_platform.contacts.pagination import Page
from crm_platform.contacts.person_saving import CustomValues, is_stale
from crm_platform.contacts.related import organization_people
from crm_platform.customfields.service import values_for
from crm_platform.models_base import utcnow
from crm_platform.errors import htmx_redirect
from crm_platform.extensions import db
from crm_platform.permissions import require_permission
from crm_platform.templating import render


@bp.get("/organizations")
@login_required
@require_permission("records.view")
def organizations() -> tuple[str, int]:
    """Organizations searched by name and sorted (``?sort=-updated``), one keyset page; htmx gets the results block."""
    form = OrganizationFilterForm(request.args)
    sort_labels = organization_listing.SORT_LABELS
    if not form.validate():
        built = organization_listing.build_organization_listing()
        return render(
            "contacts/organizations_list.html", block="results", status=422, form=form, built=built, page=Page([]),
            filters={}, counts={}, columns=[], sort_labels=sort_labels, sort_links={},
        )
    built = organization_listing.build_organization_listing(form.q.data, form.sort.data)
    page = organization_listing.organizations_page(built, (form.cursor.data or "")[:1024] or None)
    filters = clean_filters(q=form.q.data, sort=built.sort_param)
    counts = services.people_counts([org.id for org in page.items])
    return render(
        "contacts/organizations_list.html", block="results",
        form=form, built=built, page=page, filters=filters, counts=counts, sort_labels=sort_labels,
        sort_links=built.sort_links(lambda value: url_for("contacts.organizations", **clean_filters(q=form.q.data, sort=value))),
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


def _form_page(form: OrganizationForm, organization: Organization | None, custom: CustomValues, status: int = 200,
               conflict: bool = False) -> tuple[str, int]:
    return render("contacts/organization_form.html", status=status, form=form, organization=organization,
                  conflict=conflict, custom_fields=custom.fields, custom_values=custom.values,
                  custom_errors=custom.errors)


@bp.get("/organizations/new")
@login_required
@require_permission("records.edit")
def new_organization() -> tuple[str, int]:
    """The form for a new organization."""
    return _form_page(OrganizationForm(), None, CustomValues("organization"))


@bp.post("/organizations")
@login_required
@require_permission("records.edit")
def create_organization() -> Response | tuple[str, int]:
    """Create an organization; 422 with the errors when the form does not validate."""
    form = OrganizationForm()
    custom = CustomValues("organization", submitted=True)
    if not form.validate_on_submit() or custom.errors:
        return _form_page(form, None, custom, status=422)
    organization = Organization()
    form.apply_to(organization)
    services.create_organization(organization)
    custom.save(organization.id)
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
    fields = fields_of("organization")
    people, more_people = organization_people(row)
    return render(
        "contacts/organization_detail.html", block="timeline_page",
        organization=row, people=people, more_people=more_people, timeline=timeline, before=before,
        show_subject=True, note_form=None,
        inline_fields=fields,
        custom_values=values_for([f.custom for f in fields if f.custom], [row.id]).get(row.id, {}),
        panels=plugin_ui.panels("crm_organization_panels", organization=row),
        actions=plugin_ui.actions("crm_organization_actions", organization=row),
        note_action=url_for("contacts.add_organization_activity", organization_id=row.id),
        timeline_url=url_for("contacts.organization", organization_id=row.id),
    )


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
@login_required
@require_permission("records.edit")
def edit_organization(organization_id: int) -> Response | tuple[str, int]:
    """Edit an organization; 422 with the errors, 409 (nothing saved) when it changed meanwhile."""
    row = services.get_organization(organization_id)
    if request.method == "GET":
        return _form_page(OrganizationForm(obj=row), row, CustomValues("organization", row.id))
    form = OrganizationForm(obj=row)
    custom = CustomValues("organization", submitted=True)
    if is_stale(form.version.data, row):
        form.validate_on_submit()
        form.version.data = str(row.version)  # saving again is a deliberate overwrite
        return _form_page(form, row, custom, status=409, conflict=True)
    if not form.validate_on_submit() or custom.errors:
        return _form_page(form, row, custom, status=422)
    before = services.snapshot(row, services.ORGANIZATION_FIELDS)
    form.apply_to(row)
    custom.save(row.id)
    row.updated_at = utcnow()
    services.update_organization(row, before)
    db.session.commit()
    flash(f"{row.name} was saved.", "success")
    return htmx_redirect(url_for("contacts.organization", organization_id=row.id))


@bp.post("/organizations/<int:organization_id>/delete")
@login_required
@require_permission("records.edit")
def delete_organization(organization_id: int) -> Response | tuple[str, int]:
    """Delete an organization for good (its people stay, without it), then show the list.

    Organizations have no trash, so the delete needs ``confirmed=1``: the detail page's
    button sends it after htmx's confirmation dialog; a plain form post without it (no
    JavaScript) gets a confirmation page first, and nothing is deleted.
    """
    row = services.get_organization(organization_id)
    if request.form.get("confirmed") != "1":
        count = services.people_counts([row.id]).get(row.id, 0)
        return render("contacts/organization_confirm_delete.html", organization=row, people_count=count)
    name = row.name
    services.delete_organization(row)
    db.session.commit()
    flash(f"{name} was deleted. Its people were kept.", "success")
    return htmx_redirect(url_for("contacts.organizations"))

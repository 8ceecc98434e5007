"""Hooks: panels, widget, search, timeline types, settings, GDPR, merges, deletes, purge, demo data."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from crm_platform import tenancy
from crm_platform.contacts.models import Organization, Person
from crm_platform.plugins import runtime
from crm_platform.testing import purge_trashed_now
from crm_sales.models import Deal, DealActivity, DealPerson, LineItem, Pipeline, Stage

TABLES = (Pipeline, Stage, Deal, DealPerson, LineItem, DealActivity)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def involve(db, company, deal_id, person_id, role="champion"):
    with tenancy.company_scope(company.id):
        db.session.add(DealPerson(deal_id=deal_id, person_id=person_id, role=role))
        db.session.commit()


def test_person_and_organization_panels(logged_in_client, sales, contacts, company, db):
    person_id, org_id = contacts
    deal_id = sales.deal("Panel deal", organization_id=org_id, value="4200")
    involve(db, company, deal_id, person_id)
    person_page = logged_in_client.get(f"/people/{person_id}").get_data(as_text=True)
    assert f'hx-get="/sales/people/{person_id}/deals"' in person_page
    panel = logged_in_client.get(f"/sales/people/{person_id}/deals").get_data(as_text=True)
    assert "Panel deal" in panel and "Champion" in panel and f"/sales/deals/{deal_id}" in panel and "<html" not in panel
    org_page = logged_in_client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert f'hx-get="/sales/organizations/{org_id}/deals"' in org_page
    org_panel = logged_in_client.get(f"/sales/organizations/{org_id}/deals").get_data(as_text=True)
    assert "Panel deal" in org_panel and "€4,200" in org_panel and f"/sales/deals/new?organization={org_id}" in org_panel


def test_dashboard_widget_shows_open_pipeline(logged_in_client, sales):
    sales.deal("A", stage=0, value="1000")  # 10 %
    sales.deal("B", stage=3, value="2000")  # 75 %
    sales.deal("Won", stage=3, value="5000", state="won")
    html = logged_in_client.get("/").get_data(as_text=True)
    section = html[html.index('id="widget-sales-open-pipeline"'):]
    section = section[: section.index("</section>")]
    assert '<p class="stat">2</p>' in section and "€3,000" in section and "€1,600" in section


def test_search_finds_deals_by_title(app, sales, company, logged_in_client):
    sales.deal("Zeppelin upgrade")
    sales.deal("Other 100%_thing")
    with app.test_request_context("/"):
        from flask import g

        g.company, g.role = company, "member"
        with tenancy.company_scope(company.id):
            results = runtime.collect_ui("crm_search", query="zeppelin", limit=5)
            odd = runtime.collect_ui("crm_search", query="100%_", limit=5)
            wild = runtime.collect_ui("crm_search", query="%", limit=5)
    deals = [r for r in results if r.kind == "Deal"]
    assert [r.title for r in deals] == ["Zeppelin upgrade"] and deals[0].url.startswith("/sales/deals/")
    assert [r.title for r in odd if r.kind == "Deal"] == ["Other 100%_thing"]
    assert [r.title for r in wild if r.kind == "Deal"] == ["Other 100%_thing"]


def test_settings_field_currency(logged_in_client, sales):
    page = logged_in_client.get("/settings/plugins/sales/settings").get_data(as_text=True)
    assert 'name="currency"' in page and "USD" in page
    bad = logged_in_client.post_form("/settings/plugins/sales/settings", {"currency": "XYZ"}, token_from="/")
    assert bad.status_code == 422
    assert logged_in_client.post_form("/settings/plugins/sales/settings", {"currency": "GBP"}, token_from="/").status_code == 303
    assert 'value="GBP" selected' in logged_in_client.get("/sales/deals/new").get_data(as_text=True) or \
        '<option selected value="GBP">' in logged_in_client.get("/sales/deals/new").get_data(as_text=True)


def test_personal_data_export_and_erase(app, sales, contacts, company, db):
    person_id, _ = contacts
    deal_id = sales.deal("GDPR deal")
    involve(db, company, deal_id, person_id, "decision_maker")
    with app.test_request_context("/"), tenancy.company_scope(company.id):
        person = db.session.scalars(select(Person).where(Person.id == person_id)).one()
        exported = runtime.call_data("crm_personal_data_export", person=person)
        sales_part = next(part for part in exported if "deals" in part)
        assert sales_part == {"deals": [{"deal": "GDPR deal", "role": "Decision maker", "state": "open", "stage": "Lead in"}]}
        json.dumps(sales_part)
        runtime.call_data("crm_personal_data_erase", person=person)
        db.session.commit()
        assert count(db, DealPerson) == 0 and count(db, Deal) == 1


def test_person_merge_moves_roles_without_duplicates(app, sales, company, db):
    with tenancy.company_scope(company.id):
        keep, gone = Person(first_name="Keep"), Person(first_name="Gone")
        db.session.add_all([keep, gone])
        db.session.commit()
        keep_id, gone_id = keep.id, gone.id
    shared, only_gone = sales.deal("Shared"), sales.deal("Only gone")
    involve(db, company, shared, keep_id, "champion")
    involve(db, company, shared, gone_id, "user")
    involve(db, company, only_gone, gone_id, "influencer")
    with app.test_request_context("/"), tenancy.company_scope(company.id):
        survivor = db.session.scalars(select(Person).where(Person.id == keep_id)).one()
        merged = db.session.scalars(select(Person).where(Person.id == gone_id)).one()
        runtime.call_data("crm_person_merged", survivor=survivor, merged=merged)
        db.session.commit()
        rows = sorted(db.session.execute(select(DealPerson.deal_id, DealPerson.person_id, DealPerson.role)).all())
    assert rows == [(shared, keep_id, "champion"), (only_gone, keep_id, "influencer")]


def test_organization_merge_moves_deals(app, sales, company, db):
    with tenancy.company_scope(company.id):
        keep, gone = Organization(name="Keep Inc"), Organization(name="Gone Inc")
        db.session.add_all([keep, gone])
        db.session.commit()
        keep_id, gone_id = keep.id, gone.id
    deal_id = sales.deal("Org deal", organization_id=gone_id)
    with app.test_request_context("/"), tenancy.company_scope(company.id):
        survivor = db.session.scalars(select(Organization).where(Organization.id == keep_id)).one()
        merged = db.session.scalars(select(Organization).where(Organization.id == gone_id)).one()
        runtime.call_data("crm_organization_merged", survivor=survivor, merged=merged)
        db.session.commit()
    assert sales.get(deal_id).organization_id == keep_id


def test_merge_errors_are_not_swallowed(app, sales, company, db, monkeypatch):
    from crm_sales import hooks

    def boom(*args, **kwargs):
        raise RuntimeError("database said no")

    monkeypatch.setattr(hooks.db.session, "execute", boom)
    with app.test_request_context("/"), tenancy.company_scope(company.id):
        org = type("Org", (), {"id": 1})
        with pytest.raises(RuntimeError, match="database said no"):
            hooks.crm_organization_merged(survivor=org(), merged=org())
        with pytest.raises(RuntimeError, match="database said no"):
            hooks.crm_person_merged(survivor=org(), merged=org())


def test_deleting_contacts_detaches_deals(logged_in_client, sales, contacts, company, db):
    person_id, org_id = contacts
    deal_id = sales.deal("Survives", organization_id=org_id)
    involve(db, company, deal_id, person_id)
    assert logged_in_client.post_form(f"/people/{person_id}/delete", token_from=f"/people/{person_id}").status_code == 303
    with tenancy.company_scope(company.id):
        assert count(db, DealPerson) == 1  # the person is in the trash: restorable, still on the deal
    assert purge_trashed_now(company.id) == 1
    assert logged_in_client.post_form(f"/organizations/{org_id}/delete", {"confirmed": "1"},
                                      token_from=f"/organizations/{org_id}").status_code == 303
    deal = sales.get(deal_id)
    assert deal is not None and deal.organization_id is None
    with tenancy.company_scope(company.id):
        assert count(db, DealPerson) == 0
    assert logged_in_client.get(f"/sales/deals/{deal_id}").status_code == 200


def test_purge_deletes_every_sales_row_of_the_company_only(logged_in_client, sales, contacts, company, other_company, db):
    person_id, org_id = contacts
    deal_id = sales.deal("Purged", organization_id=org_id)
    involve(db, company, deal_id, person_id)
    url = f"/sales/deals/{deal_id}"
    logged_in_client.post_form(f"{url}/line-items", {"product": "P", "quantity": "1", "unit_price": "5"}, token_from=url)
    logged_in_client.post_form(f"{url}/won", token_from=url)
    with tenancy.company_scope(company.id):
        assert all(count(db, model) for model in TABLES)
    runtime.set_enabled(company, "sales", False)
    runtime.purge(company, "sales")
    with tenancy.company_scope(company.id):
        assert [count(db, model) for model in TABLES] == [0] * len(TABLES)
        assert db.session.scalar(select(func.count()).select_from(Person)) == 1  # contacts untouched
    with tenancy.company_scope(other_company.id):
        assert count(db, Pipeline) == 1


def test_demo_data_loads_believable_deals(app, company, db):
    from crm_platform.demo import load_demo_data
    from crm_platform.testing import make_user

    make_user(company, "demo@acme.test", "owner")
    load_demo_data(company)
    with tenancy.company_scope(company.id):
        assert 35 <= count(db, Deal) <= 45
        assert count(db, LineItem) > 10 and count(db, DealPerson) > 10
        states = dict(db.session.execute(select(Deal.state, func.count()).group_by(Deal.state)).all())
        assert states["open"] > 25 and states["won"] and states["lost"]
        stages = db.session.scalar(select(func.count(func.distinct(Deal.stage_id))))
        assert stages == 4
        assert db.session.scalar(select(func.count()).select_from(Deal).where(Deal.organization_id.is_(None))) == 0
        assert db.session.scalar(select(func.count()).select_from(Deal).where(Deal.owner_id.is_(None))) == 0


def test_timeline_entry_types_render_escaped_with_a_link(logged_in_client, sales, contacts):
    person_id, org_id = contacts
    deal_id = sales.deal("<b>Bold</b> deal", organization_id=org_id)
    logged_in_client.post_form(f"/sales/deals/{deal_id}/move", {"stage_id": sales.stage_ids[1]}, token_from="/sales/")
    html = logged_in_client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert "Deal moved" in html and "&lt;b&gt;Bold&lt;/b&gt; deal moved from Lead in to Qualified" in html
    assert f'href="/sales/deals/{deal_id}">Open deal' in html and "<b>Bold</b>" not in html

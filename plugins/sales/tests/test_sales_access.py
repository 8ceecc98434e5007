"""Who may do what, other companies' rows, and the plugin switched off."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm_platform import tenancy
from crm_platform.extensions import db as handle
from crm_platform.plugins.runtime import set_enabled
from crm_platform.testing_routes import assert_foreign_ids_are_404


def test_readonly_sees_but_cannot_change(client_as, sales):
    deal_id = sales.deal("Look only")
    viewer = client_as("readonly")
    assert viewer.get("/sales/").status_code == 200
    assert viewer.get("/sales/deals").status_code == 200
    page = viewer.get(f"/sales/deals/{deal_id}").get_data(as_text=True)
    assert "Look only" in page and "Mark won" not in page and "Add line" not in page
    board = viewer.get("/sales/").get_data(as_text=True)
    assert "data-editable" not in board and 'name="stage_id"' not in board and "New deal" not in board
    posts = {
        f"/sales/deals/{deal_id}/move": {"stage_id": sales.stage_ids[1]},
        f"/sales/deals/{deal_id}/won": {},
        f"/sales/deals/{deal_id}/lost": {"reason": "no"},
        f"/sales/deals/{deal_id}/line-items": {"product": "x", "quantity": "1", "unit_price": "1"},
        f"/sales/deals/{deal_id}/delete": {},
        "/sales/deals": {"title": "x"},
        "/sales/pipelines": {"name": "x"},
    }
    for url, data in posts.items():
        assert viewer.post_form(url, data, token_from="/sales/").status_code == 403, url
    assert viewer.get("/sales/deals/new").status_code == 403
    assert sales.get(deal_id).state == "open"


def test_members_edit_deals_but_not_pipelines(client_as, sales):
    member = client_as("member")
    deal_id = sales.deal()
    assert member.post_form(f"/sales/deals/{deal_id}/won", token_from="/sales/").status_code == 303
    assert member.get("/sales/pipelines").status_code == 403
    assert member.post_form("/sales/pipelines", {"name": "Mine"}, token_from="/sales/").status_code == 403
    assert member.post_form(f"/sales/stages/{sales.stage_ids[0]}", {"name": "X", "probability": "5"}, token_from="/sales/").status_code == 403
    assert 'href="/sales/pipelines"' not in member.get("/").get_data(as_text=True)


def test_anonymous_gets_nothing(client, sales):
    # The core's blueprint gate answers 404 before login_required can redirect (see README).
    deal_id = sales.deal("Secret")
    for url in ("/sales/", f"/sales/deals/{deal_id}"):
        response = client.get(url)
        assert response.status_code in (302, 303, 404) and "Secret" not in response.get_data(as_text=True)


@pytest.fixture()
def walk_app(make_app):
    from crm_platform.testing import empty_tables

    application = make_app(WTF_CSRF_ENABLED=False)
    with application.app_context():
        try:
            yield application
        finally:
            empty_tables(handle)


def test_other_companies_ids_are_404(walk_app):
    assert any(rule.rule.startswith("/sales/") for rule in walk_app.url_map.iter_rules())
    assert_foreign_ids_are_404(walk_app)


def test_disabled_plugin_hides_pages_nav_and_parts(logged_in_client, sales, company, contacts):
    deal_id = sales.deal("Hidden")
    home = logged_in_client.get("/").get_data(as_text=True)
    assert 'href="/sales/"' in home and "Open pipeline" in home
    set_enabled(company, "sales", False)
    for url in ("/sales/", "/sales/deals", f"/sales/deals/{deal_id}", "/sales/pipelines", "/sales/static/board.js"):
        assert logged_in_client.get(url).status_code == 404, url
    assert logged_in_client.post_form(f"/sales/deals/{deal_id}/won", token_from="/").status_code == 404
    home = logged_in_client.get("/").get_data(as_text=True)
    assert 'href="/sales/"' not in home and "Open pipeline" not in home and "sales.css" not in home
    person = logged_in_client.get(f"/people/{contacts[0]}").get_data(as_text=True)
    assert "/sales/people/" not in person
    set_enabled(company, "sales", True)
    assert logged_in_client.get(f"/sales/deals/{deal_id}").status_code == 200  # data kept


def test_enabling_creates_the_default_pipeline_once(app, company, db):
    from crm_sales.models import Pipeline, Stage

    with tenancy.company_scope(company.id):
        assert db.session.scalar(select(func.count()).select_from(Pipeline)) == 1
        stages = [(s.name, s.probability) for s in db.session.scalars(select(Stage).order_by(Stage.position))]
    assert stages == [("Lead in", 10), ("Qualified", 25), ("Proposal", 50), ("Negotiation", 75)]
    set_enabled(company, "sales", False)
    set_enabled(company, "sales", True)
    with tenancy.company_scope(company.id):
        assert db.session.scalar(select(func.count()).select_from(Pipeline)) == 1


def test_a_company_that_turned_it_off_gets_the_pipeline_when_enabling(app, db):
    from crm_platform.companies.service import create_company
    from crm_platform.plugins.models import PluginState
    from crm_sales.models import Pipeline

    from sqlalchemy import delete

    from crm_sales.models import Stage

    initech = create_company("Initech", slug="initech")
    with tenancy.company_scope(initech.id):  # as if it had switched the plugin off before any pipeline existed
        db.session.execute(delete(Stage))
        db.session.execute(delete(Pipeline))
        db.session.add(PluginState(plugin="sales", enabled=False))
        db.session.commit()
    set_enabled(initech, "sales", True)
    with tenancy.company_scope(initech.id):
        assert db.session.scalar(select(func.count()).select_from(Pipeline)) == 1


def test_deleting_a_company_deletes_its_sales_rows(app, sales, contacts, company, db):
    from sqlalchemy import text

    from crm_sales.models import Deal, DealPerson, LineItem, Pipeline, Stage

    deal_id = sales.deal("Cascade", organization_id=contacts[1])
    company_id = company.id
    with tenancy.company_scope(company_id):
        db.session.add(DealPerson(deal_id=deal_id, person_id=contacts[0], role="user"))
        db.session.add(LineItem(deal_id=deal_id, product="P", quantity=1, unit_price=1, discount=0))
        db.session.commit()
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM company WHERE id = :id"), {"id": company_id})
        for model in (Pipeline, Stage, Deal, DealPerson, LineItem):
            assert conn.execute(select(func.count()).select_from(model.__table__)).scalar() == 0

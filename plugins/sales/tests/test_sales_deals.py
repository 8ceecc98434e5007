"""Deals: the form and its validation, line items, people, won / lost / reopen, the list."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from crm_platform import tenancy
from crm_platform.contacts.models import Activity


def form(sales, **overrides):
    data = {
        "title": "Initech rollout", "pipeline_id": sales.pipeline_id, "stage_id": sales.stage_ids[1],
        "value": "12500.50", "currency": "EUR", "expected_close_date": "2027-03-31", "owner_id": "", "organization_id": "",
    }
    data.update(overrides)
    return data


def test_create_deal_and_show_it(logged_in_client, sales, contacts):
    person_id, org_id = contacts
    response = logged_in_client.post_form("/sales/deals", form(sales, organization_id=org_id), token_from="/sales/deals/new")
    assert response.status_code == 303
    page = logged_in_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Initech rollout" in page and "€12,500.50" in page and "Qualified" in page and "Initech" in page


def test_new_deal_form_defaults_to_the_currency_setting(logged_in_client, sales, company, db):
    from crm_platform.plugins.models import PluginSetting

    with tenancy.company_scope(company.id):
        db.session.add(PluginSetting(plugin="sales", key="currency", value="CHF"))
        db.session.commit()
    page = logged_in_client.get("/sales/deals/new").get_data(as_text=True)
    assert '<option selected value="CHF">' in page or 'value="CHF" selected' in page


def test_deal_form_rejects_bad_input_with_422(logged_in_client, sales, other_company, db):
    from crm_platform.contacts.models import Organization

    with tenancy.company_scope(other_company.id):
        foreign = Organization(name="Globex Corp")
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    other_pipeline = logged_in_client.post_form("/sales/pipelines", {"name": "Partners"}, token_from="/sales/pipelines")
    assert other_pipeline.status_code == 303
    second = sales.pipelines()[1]
    cases = {
        "title": form(sales, title=""),
        "value": form(sales, value="-1"),
        "currency": form(sales, currency="EURO"),
        "expected_close_date": form(sales, expected_close_date="2027-02-30"),
        "stage_id": form(sales, stage_id=second.stages[0].id),
        "organization_id": form(sales, organization_id=foreign_id),
    }
    for field, data in cases.items():
        response = logged_in_client.post_form("/sales/deals", data, token_from="/sales/deals/new")
        assert response.status_code == 422, field
        assert f'id="{field}-error"' in response.get_data(as_text=True), field
    assert logged_in_client.post_form("/sales/deals", form(sales, expected_close_date="1890-01-01"), token_from="/sales/deals/new").status_code == 422
    assert logged_in_client.post_form("/sales/deals", form(sales, value="99999999999"), token_from="/sales/deals/new").status_code == 422
    assert sales.pipelines()  # nothing broke
    with tenancy.company_scope(sales.pipeline.company_id):
        from crm_sales.models import Deal

        assert db.session.scalar(select(func.count()).select_from(Deal)) == 0


def test_edit_deal_changes_stage_and_records_it(logged_in_client, sales, contacts, db):
    deal_id = sales.deal("Big one", stage=0, organization_id=contacts[1])
    url = f"/sales/deals/{deal_id}/edit"
    assert logged_in_client.get(url).status_code == 200
    response = logged_in_client.post_form(url, form(sales, title="Big one", stage_id=sales.stage_ids[2], organization_id=contacts[1]), token_from=url)
    assert response.status_code == 303
    deal = sales.get(deal_id)
    assert deal.stage_id == sales.stage_ids[2] and deal.value == Decimal("12500.50")
    with tenancy.company_scope(sales.pipeline.company_id):
        bodies = list(db.session.scalars(select(Activity.body).where(Activity.kind == "deal_stage_changed")))
    assert bodies == ["Deal Big one moved from Lead in to Proposal"]


def test_line_items_compute_the_value_with_discount(logged_in_client, sales):
    deal_id = sales.deal("Licences", value="999")
    url = f"/sales/deals/{deal_id}"
    add = lambda data: logged_in_client.post_form(f"{url}/line-items", data, token_from=url)  # noqa: E731
    assert add({"product": "Seats", "quantity": "3", "unit_price": "19.99", "discount": "10"}).status_code == 303
    assert sales.get(deal_id).value == Decimal("53.97")  # 3 × 19.99 = 59.97, less 10 % = 53.973
    assert add({"product": "Setup", "quantity": "1", "unit_price": "100", "discount": ""}).status_code == 303
    assert sales.get(deal_id).value == Decimal("153.97")
    page = logged_in_client.get(url).get_data(as_text=True)
    assert "€153.97" in page and "Seats" in page
    for bad in (
        {"product": "", "quantity": "1", "unit_price": "1"},
        {"product": "X", "quantity": "0", "unit_price": "1"},
        {"product": "X", "quantity": "1", "unit_price": "-5"},
        {"product": "X", "quantity": "1", "unit_price": "5", "discount": "101"},
        {"product": "X", "quantity": "many", "unit_price": "5"},
    ):
        assert add(bad).status_code == 422, bad
    edit = logged_in_client.get(f"{url}/edit").get_data(as_text=True)
    assert "Computed from 2 line items" in edit and 'name="value"' not in edit
    from crm_sales.models import LineItem

    with tenancy.company_scope(sales.pipeline.company_id):
        from crm_platform.extensions import db

        item_id = db.session.scalars(select(LineItem.id).where(LineItem.product == "Setup")).one()
    assert logged_in_client.post_form(f"/sales/line-items/{item_id}/delete", token_from=url).status_code == 303
    assert sales.get(deal_id).value == Decimal("53.97")


def test_people_with_roles(logged_in_client, sales, contacts, db):
    person_id, _ = contacts
    deal_id = sales.deal("People deal")
    url = f"/sales/deals/{deal_id}"
    assert logged_in_client.post_form(f"{url}/people", {"person_id": person_id, "role": "champion"}, token_from=url).status_code == 303
    page = logged_in_client.get(url).get_data(as_text=True)
    assert "Peter Gibbons" in page and "Champion" in page
    assert logged_in_client.post_form(f"{url}/people", {"person_id": person_id, "role": "user"}, token_from=url).status_code == 422
    assert logged_in_client.post_form(f"{url}/people", {"person_id": "", "role": "user"}, token_from=url).status_code == 422
    assert logged_in_client.post_form(f"{url}/people", {"person_id": person_id, "role": "boss"}, token_from=url).status_code == 422
    from crm_sales.models import DealPerson

    with tenancy.company_scope(sales.pipeline.company_id):
        link_id = db.session.scalars(select(DealPerson.id)).one()
    assert logged_in_client.post_form(f"/sales/deal-people/{link_id}/delete", token_from=url).status_code == 303
    with tenancy.company_scope(sales.pipeline.company_id):
        assert db.session.scalar(select(func.count()).select_from(DealPerson)) == 0


def test_people_of_another_company_are_refused(logged_in_client, sales, other_company, db):
    from crm_platform.contacts.models import Person

    with tenancy.company_scope(other_company.id):
        stranger = Person(first_name="Hank", last_name="Scorpio")
        db.session.add(stranger)
        db.session.commit()
        stranger_id = stranger.id
    deal_id = sales.deal()
    url = f"/sales/deals/{deal_id}"
    assert logged_in_client.post_form(f"{url}/people", {"person_id": stranger_id, "role": "user"}, token_from=url).status_code == 422


def test_won_lost_reopen(logged_in_client, sales, contacts, db):
    person_id, org_id = contacts
    deal_id = sales.deal("Closing deal", organization_id=org_id)
    url = f"/sales/deals/{deal_id}"
    assert logged_in_client.post_form(f"{url}/won", token_from=url).status_code == 303
    assert sales.get(deal_id).state == "won"
    assert logged_in_client.post_form(f"{url}/won", token_from=url).status_code == 422
    assert logged_in_client.post_form(f"{url}/lost", {"reason": "x"}, token_from=url).status_code == 422  # closed
    assert logged_in_client.post_form(f"{url}/reopen", token_from=url).status_code == 303
    assert sales.get(deal_id).state == "open"
    assert logged_in_client.post_form(f"{url}/lost", {"reason": ""}, token_from=url).status_code == 422
    assert logged_in_client.post_form(f"{url}/lost", {"reason": "Chose a competitor"}, token_from=url).status_code == 303
    deal = sales.get(deal_id)
    assert deal.state == "lost" and deal.lost_reason == "Chose a competitor" and deal.closed_at is not None
    page = logged_in_client.get(url).get_data(as_text=True)
    assert "Chose a competitor" in page and "was won" in page and "was lost" in page
    with tenancy.company_scope(sales.pipeline.company_id):
        kinds = sorted(db.session.scalars(select(Activity.kind).where(Activity.organization_id == org_id)))
    assert kinds == ["deal_lost", "deal_reopened", "deal_won"]
    org_page = logged_in_client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert "Deal won" in org_page and "Open deal" in org_page


def test_delete_deal(logged_in_client, sales):
    deal_id = sales.deal("Doomed")
    url = f"/sales/deals/{deal_id}"
    assert logged_in_client.post_form(f"{url}/delete", token_from=url).status_code == 303
    assert sales.get(deal_id) is None
    assert logged_in_client.get(url).status_code == 404


def test_list_filters_and_keyset_pages(logged_in_client, sales, user, client_as, company):
    from datetime import date

    member = client_as("member")
    ids = [sales.deal(f"Deal {n:02d}", stage=n % 4, expected_close_date=date(2027, 1 + n % 2, 10)) for n in range(55)]
    first = logged_in_client.get("/sales/deals").get_data(as_text=True)
    assert "Deal 54" in first and "Deal 04" not in first and "Next page" in first
    import re

    next_url = re.search(r'href="(/sales/deals\?cursor=[^"]+)"', first).group(1).replace("&amp;", "&")
    second = logged_in_client.get(next_url).get_data(as_text=True)
    assert "Deal 04" in second and "Deal 54" not in second and "Next page" not in second
    january = logged_in_client.get("/sales/deals?month=2027-01").get_data(as_text=True)
    assert "Deal 02" in january and "Deal 03" not in january
    staged = logged_in_client.get(f"/sales/deals?stage={sales.stage_ids[3]}").get_data(as_text=True)
    assert "Deal 03" in staged and "Deal 02" not in staged
    mine = logged_in_client.get(f"/sales/deals?owner={user.id}&state=open").get_data(as_text=True)
    assert "Deal 54" in mine
    assert "No deal matches" in logged_in_client.get("/sales/deals?state=won").get_data(as_text=True)
    assert member.get("/sales/deals?month=garbage&cursor=zz").status_code == 200
    assert len(ids) == 55


def test_new_deal_from_a_person_involves_them(logged_in_client, sales, contacts, other_company, db):
    from crm_platform.contacts.models import Person
    from crm_sales.models import Deal, DealPerson

    person_id, org_id = contacts
    panel = logged_in_client.get(f"/sales/people/{person_id}/deals").get_data(as_text=True)
    assert f"/sales/deals/new?person={person_id}" in panel
    page = logged_in_client.get(f"/sales/deals/new?person={person_id}").get_data(as_text=True)
    assert "Peter Gibbons will be on the deal as decision maker" in page
    assert f'name="person_id" type="hidden" value="{person_id}"' in page or f'type="hidden" value="{person_id}"' in page
    with tenancy.company_scope(other_company.id):
        stranger = Person(first_name="Hank")
        db.session.add(stranger)
        db.session.commit()
        stranger_id = stranger.id
    refused = logged_in_client.post_form("/sales/deals", form(sales, person_id=stranger_id), token_from="/sales/deals/new")
    assert refused.status_code == 422 and "Choose a person of this company" in refused.get_data(as_text=True)
    created = logged_in_client.post_form("/sales/deals", form(sales, person_id=person_id, organization_id=org_id), token_from="/sales/deals/new")
    assert created.status_code == 303
    with tenancy.company_scope(sales.pipeline.company_id):
        deal = db.session.scalars(select(Deal)).one()
        link = db.session.scalars(select(DealPerson)).one()
    assert (link.deal_id, link.person_id, link.role) == (deal.id, person_id, "decision_maker")

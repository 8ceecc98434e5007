"""The sales hooks through the core's own flows: global search, personal-data export and erase, merge."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm_platform import tenancy
from crm_sales.models import Deal, DealPerson

pytest.importorskip("crm_platform.privacy.service")


def involve(db, company, deal_id, person_id, role="champion"):
    with tenancy.company_scope(company.id):
        db.session.add(DealPerson(deal_id=deal_id, person_id=person_id, role=role))
        db.session.commit()


def test_global_search_lists_deals(logged_in_client, sales):
    deal_id = sales.deal("Zeppelin fleet renewal")
    html = logged_in_client.get("/search?q=zeppelin").get_data(as_text=True)
    assert "Zeppelin fleet renewal" in html and f"/sales/deals/{deal_id}" in html


def test_personal_data_export_and_erase_pages(logged_in_client, sales, contacts, company, db):
    person_id, _ = contacts
    deal_id = sales.deal("GDPR deal")
    involve(db, company, deal_id, person_id, "decision_maker")
    exported = logged_in_client.get(f"/people/{person_id}/personal-data.json").get_json()
    assert exported["plugins"]["sales"] == {
        "deals": [{"deal": "GDPR deal", "role": "Decision maker", "state": "open", "stage": "Lead in"}]
    }
    url = f"/people/{person_id}/erase"
    assert logged_in_client.post_form(url, {"confirm": "erase"}, token_from=url).status_code in (200, 303)
    with tenancy.company_scope(company.id):
        assert db.session.scalar(select(func.count()).select_from(DealPerson)) == 0
        assert db.session.scalar(select(func.count()).select_from(Deal)) == 1


def test_merging_people_keeps_their_deal_roles(app, sales, company, db):
    from crm_platform.contacts.models import Person
    from crm_platform.privacy.service import merge_people

    with tenancy.company_scope(company.id):
        keep, gone = Person(first_name="Keep"), Person(first_name="Gone")
        db.session.add_all([keep, gone])
        db.session.commit()
        keep_id, gone_id = keep.id, gone.id
    deal_id = sales.deal("Merged deal")
    involve(db, company, deal_id, gone_id, "influencer")
    with app.test_request_context("/"), tenancy.company_scope(company.id):
        survivor = db.session.scalars(select(Person).where(Person.id == keep_id)).one()
        merged = db.session.scalars(select(Person).where(Person.id == gone_id)).one()
        merge_people(survivor, merged)
        db.session.commit()
        rows = db.session.execute(select(DealPerson.person_id, DealPerson.role)).all()
    assert [tuple(r) for r in rows] == [(keep_id, "influencer")]

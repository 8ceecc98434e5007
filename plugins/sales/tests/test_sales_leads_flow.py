"""Leads after capture: manual entry, the list (filters, sort, keyset pages), qualification, conversion, scoring."""

from __future__ import annotations

from sqlalchemy import func, select

from crm_platform import tenancy


def add_lead(company, db, **fields):
    from crm_sales.leads.services import create_lead

    values = {"name": "Lead", "email": "", "phone": "", "organization_name": "", "source": "", "message": ""}
    values.update(fields)
    with tenancy.company_scope(company.id):
        lead = create_lead(values)
        db.session.commit()
        return lead.id


def get_lead(company, db, lead_id):
    from crm_sales.models import Lead

    db.session.expire_all()
    with tenancy.company_scope(company.id):
        return db.session.scalars(select(Lead).where(Lead.id == lead_id)).first()


def add_rule(company, db, field, operator, value, points):
    from crm_sales.models import LeadRule

    with tenancy.company_scope(company.id):
        db.session.add(LeadRule(field=field, operator=operator, value=value, points=points))
        db.session.commit()


def test_manual_entry_and_edit(logged_in_client, user, company, db):
    form = logged_in_client.get("/sales/leads/new")
    assert form.status_code == 200 and 'value="manual"' in form.get_data(as_text=True)
    bad = logged_in_client.post_form("/sales/leads", {"name": "", "email": "x"}, token_from="/sales/leads/new")
    assert bad.status_code == 422 and "Enter a name." in bad.get_data(as_text=True)
    created = logged_in_client.post_form(
        "/sales/leads", {"name": "Linus", "email": "linus@kernel.example", "source": "referral", "owner_id": str(user.id)},
        token_from="/sales/leads/new",
    )
    assert created.status_code == 303
    lead_id = int(created.headers["Location"].rsplit("/", 1)[1])
    page = logged_in_client.get(f"/sales/leads/{lead_id}").get_data(as_text=True)
    assert "Linus" in page and "referral" in page and "Convert to person and deal" in page
    edited = logged_in_client.post_form(f"/sales/leads/{lead_id}/edit", {"name": "Linus T", "email": "", "phone": "+358 1", "owner_id": ""},
                                        token_from=f"/sales/leads/{lead_id}/edit")
    assert edited.status_code == 303
    lead = get_lead(company, db, lead_id)
    assert (lead.name, lead.email, lead.phone, lead.owner_id) == ("Linus T", "", "+358 1", None)
    assert logged_in_client.post_form(f"/sales/leads/{lead_id}/edit", {"name": "", "owner_id": "999999"},
                                      token_from=f"/sales/leads/{lead_id}/edit").status_code == 422


def test_scoring_rules_are_applied_and_the_list_sorts_by_score(logged_in_client, company, db):
    add_rule(company, db, "source", "equals", "Referral", 20)
    add_rule(company, db, "email", "not_free_mail", "", 10)
    add_rule(company, db, "phone", "is_set", "", 5)
    add_rule(company, db, "message", "contains", "budget", -3)
    low = add_lead(company, db, name="Free Mailer", email="someone@gmail.com")
    high = add_lead(company, db, name="Referred Corp", email="cto@corp.example", phone="+1 2", source="referral")
    mid = add_lead(company, db, name="Corp Budget", email="a@corp.example", message="No budget yet")
    assert [get_lead(company, db, i).score for i in (low, high, mid)] == [0, 35, 7]
    html = logged_in_client.get("/sales/leads?sort=score").get_data(as_text=True)
    assert html.index("Referred Corp") < html.index("Corp Budget") < html.index("Free Mailer")
    newest = logged_in_client.get("/sales/leads?sort=created").get_data(as_text=True)
    assert newest.index("Corp Budget") < newest.index("Referred Corp") < newest.index("Free Mailer")
    detail = logged_in_client.get(f"/sales/leads/{high}").get_data(as_text=True)
    assert "Source equals “Referral”" in detail and "(+20)" in detail


def test_rules_page_adds_validates_and_rescores_in_the_background(logged_in_client, company, db):
    lead_id = add_lead(company, db, name="Via Partner", email="p@partner.example", source="partner")
    assert get_lead(company, db, lead_id).score == 0
    added = logged_in_client.post_form("/sales/leads/scoring", {"field": "source", "operator": "equals", "value": "partner", "points": "15"},
                                       token_from="/sales/leads/scoring")
    assert added.status_code == 303
    assert get_lead(company, db, lead_id).score == 15  # the job ran (immediate queue in tests)
    for bad in (
        {"field": "source", "operator": "equals", "value": "", "points": "5"},
        {"field": "phone", "operator": "at_least", "value": "3", "points": "5"},
        {"field": "activities", "operator": "equals", "value": "3", "points": "5"},
        {"field": "activities", "operator": "at_least", "value": "many", "points": "5"},
        {"field": "name", "operator": "not_free_mail", "value": "", "points": "5"},
        {"field": "source", "operator": "equals", "value": "x", "points": "5000"},
        {"field": "nope", "operator": "equals", "value": "x", "points": "5"},
    ):
        assert logged_in_client.post_form("/sales/leads/scoring", bad, token_from="/sales/leads/scoring").status_code == 422, bad
    from crm_sales.models import LeadRule

    with tenancy.company_scope(company.id):
        rule_id = db.session.scalars(select(LeadRule.id)).one()
    assert logged_in_client.post_form(f"/sales/leads/scoring/{rule_id}/delete", token_from="/sales/leads/scoring").status_code == 303
    assert get_lead(company, db, lead_id).score == 0


def test_list_filters_and_keyset_pages(logged_in_client, user, company, db):
    from crm_sales.leads import services

    add_rule(company, db, "source", "equals", "fair", 1)
    ids = [add_lead(company, db, name=f"Lead {n:03d}", email=f"l{n}@x.example", source="fair" if n % 2 else "web") for n in range(120)]
    with tenancy.company_scope(company.id):
        first, cursor = services.lead_page(sort="score")
        second, cursor2 = services.lead_page(sort="score", cursor=cursor)
        third, cursor3 = services.lead_page(sort="score", cursor=cursor2)
    seen = [lead.id for lead in first + second + third]
    assert len(seen) == 120 == len(set(seen)) and cursor3 is None
    assert all(lead.score == 1 for lead in first) and first[0].id == ids[-1]
    page = logged_in_client.get(f"/sales/leads?sort=score&cursor={cursor}").get_data(as_text=True)
    assert "Next page" in page and "First page" in page
    only_web = logged_in_client.get("/sales/leads?source=web&sort=created", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Lead 118" in only_web and "Lead 119" not in only_web and "<html" not in only_web
    assert "No lead matches" in logged_in_client.get(f"/sales/leads?status=converted&owner={user.id}").get_data(as_text=True)
    assert logged_in_client.get("/sales/leads?cursor=abc:def&sort=score&status=bogus&owner=x").status_code == 200


def test_qualify_disqualify_and_reopen(logged_in_client, company, db):
    lead_id = add_lead(company, db, name="Maybe", email="m@x.example")
    url = f"/sales/leads/{lead_id}"
    assert logged_in_client.post_form(f"{url}/qualify", token_from=url).status_code == 303
    assert get_lead(company, db, lead_id).status == "qualified"
    assert logged_in_client.post_form(f"{url}/disqualify", token_from=url).status_code == 303
    assert get_lead(company, db, lead_id).status == "disqualified"
    assert logged_in_client.post_form(f"{url}/convert", token_from=url).status_code == 422  # qualify it first
    assert logged_in_client.post_form(f"{url}/reopen", token_from=url).status_code == 303
    assert get_lead(company, db, lead_id).status == "new"
    assert logged_in_client.get(f"{url}/qualify").status_code == 405


def test_conversion_creates_person_organization_deal_and_history(logged_in_client, user, company, contacts, db):
    from crm_platform.contacts.models import Activity, Organization, Person
    from crm_sales.models import Deal, DealPerson

    add_rule(company, db, "activities", "at_least", "1", 50)
    lead_id = add_lead(company, db, name="Bill Lumbergh", email="bill@initech.test", phone="+1 555", organization_name="initech",
                       source="trade fair", message="Did you get the memo about TPS reports?")
    assert get_lead(company, db, lead_id).score == 0
    url = f"/sales/leads/{lead_id}"
    assert logged_in_client.post_form(f"{url}/convert", {"value": "-1"}, token_from=url).status_code == 422
    response = logged_in_client.post_form(f"{url}/convert", {"deal_title": "Initech TPS", "value": "12,500"}, token_from=url)
    assert response.status_code == 303
    lead = get_lead(company, db, lead_id)
    assert lead.status == "converted" and lead.converted_at is not None
    assert lead.organization_id == contacts[1]  # the existing "Initech" was reused (case-insensitive)
    with tenancy.company_scope(company.id):
        person = db.session.scalars(select(Person).where(Person.id == lead.person_id)).one()
        assert (person.first_name, person.last_name, person.email, person.organization_id) == ("Bill", "Lumbergh", "bill@initech.test", contacts[1])
        deal = db.session.scalars(select(Deal).where(Deal.id == lead.deal_id)).one()
        assert (deal.title, str(deal.value), deal.stage.position, deal.organization_id) == ("Initech TPS", "12500.00", 0, contacts[1])
        assert db.session.scalars(select(DealPerson.person_id).where(DealPerson.deal_id == deal.id)).all() == [person.id]
        entry = db.session.scalars(select(Activity).where(Activity.person_id == person.id, Activity.kind == "lead_converted")).one()
        assert "trade fair" in entry.body and "TPS reports" in entry.body
        assert db.session.scalar(select(func.count()).select_from(Organization)) == 1
    assert lead.score == 50  # the converted person has a timeline entry now
    assert response.headers["Location"].endswith(f"/sales/deals/{deal.id}")
    page = logged_in_client.get(url).get_data(as_text=True)
    assert "Initech TPS" in page and "Bill Lumbergh" in page and "Convert to person and deal" not in page
    timeline = logged_in_client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Converted from lead Bill Lumbergh" in timeline
    assert logged_in_client.post_form(f"{url}/convert", token_from=url).status_code == 422  # only once
    assert logged_in_client.post_form(f"{url}/qualify", token_from=url).status_code == 422


def test_conversion_creates_a_new_organization_when_none_matches(logged_in_client, company, db):
    from crm_platform.contacts.models import Organization

    lead_id = add_lead(company, db, name="Solo", email="solo@new.example", organization_name="Brand New Ltd")
    assert logged_in_client.post_form(f"/sales/leads/{lead_id}/convert", token_from=f"/sales/leads/{lead_id}").status_code == 303
    with tenancy.company_scope(company.id):
        assert db.session.scalars(select(Organization.name)).all() == ["Brand New Ltd"]
    plain = add_lead(company, db, name="No Org", email="no@org.example")
    assert logged_in_client.post_form(f"/sales/leads/{plain}/convert", token_from=f"/sales/leads/{plain}").status_code == 303
    assert get_lead(company, db, plain).organization_id is None


def test_readonly_cannot_change_leads_and_members_cannot_edit_rules(client_as, company, db):
    lead_id = add_lead(company, db, name="Guarded", email="g@x.example")
    viewer = client_as("readonly")
    page = viewer.get(f"/sales/leads/{lead_id}").get_data(as_text=True)
    assert "Guarded" in page and "Convert to person and deal" not in page and "Qualify" not in page
    for url in (f"/sales/leads/{lead_id}/convert", f"/sales/leads/{lead_id}/qualify", f"/sales/leads/{lead_id}/edit", "/sales/leads",
                "/sales/leads/import", "/sales/leads/scoring"):
        assert viewer.post_form(url, {"name": "x", "email": "x@y.example"}, token_from="/sales/leads").status_code == 403, url
    assert viewer.get("/sales/leads/new").status_code == 403
    assert get_lead(company, db, lead_id).status == "new"
    member = client_as("member")
    assert member.get("/sales/leads/scoring").status_code == 403
    assert member.post_form("/sales/leads/scoring", {"field": "source", "operator": "is_set", "points": "1"}, token_from="/sales/leads").status_code == 403
    assert member.post_form(f"/sales/leads/{lead_id}/qualify", token_from="/sales/leads").status_code == 303


def test_personal_data_export_and_erase_cover_leads(logged_in_client, company, contacts, db):
    from crm_platform.plugins.runtime import call_data
    from crm_platform.contacts.models import Person

    lead_id = add_lead(company, db, name="Peter G", email="PETER@initech.test", message="private")
    with tenancy.company_scope(company.id):
        person = db.session.scalars(select(Person).where(Person.id == contacts[0])).one()
        exported = [part for part in call_data("crm_personal_data_export", person=person) if "leads" in part]
        assert exported[0]["leads"][0]["message"] == "private"
        call_data("crm_personal_data_erase", person=person)
        db.session.commit()
    assert get_lead(company, db, lead_id) is None


def test_deal_form_uses_the_organization_picker(logged_in_client, company, db, sales):
    from crm_platform.contacts import services as contacts
    from crm_platform.contacts.models import Organization

    with tenancy.company_scope(company.id):
        db.session.add_all(Organization(name=f"Org {i:04d}") for i in range(contacts.ORGANIZATION_CHOICES + 5))
        db.session.commit()
        last = db.session.scalars(select(Organization).where(Organization.name == "Org 0204")).one()
    html = logged_in_client.get("/sales/deals/new").get_data(as_text=True)
    assert 'id="organization-search"' in html and "Org 0204" not in html and "/organizations/options" in html
    preselected = logged_in_client.get(f"/sales/deals/new?organization={last.id}").get_data(as_text=True)
    assert "Org 0204" in preselected
    data = {"title": "Far org", "pipeline_id": str(sales.pipeline_id), "stage_id": str(sales.stage_ids[0]), "currency": "EUR",
            "organization_id": str(last.id)}
    assert logged_in_client.post_form("/sales/deals", data, token_from="/sales/deals/new").status_code == 303
    assert logged_in_client.post_form("/sales/deals", {**data, "organization_id": "999999"}, token_from="/sales/deals/new").status_code == 422


def test_merging_people_keeps_the_lead_link(logged_in_client, company, contacts, db):
    from crm_platform.contacts.models import Person
    from crm_platform.privacy.service import merge_people

    lead_id = add_lead(company, db, name="Twin", email="twin@x.example")
    assert logged_in_client.post_form(f"/sales/leads/{lead_id}/convert", token_from=f"/sales/leads/{lead_id}").status_code == 303
    converted = get_lead(company, db, lead_id).person_id
    with tenancy.company_scope(company.id):
        survivor = db.session.scalars(select(Person).where(Person.id == contacts[0])).one()
        merged = db.session.scalars(select(Person).where(Person.id == converted)).one()
        merge_people(survivor, merged)
        db.session.commit()
    assert get_lead(company, db, lead_id).person_id == contacts[0]

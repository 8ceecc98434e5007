"""The organization picker stays small for companies with thousands of organizations."""

from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.contacts import services
from crm_platform.contacts.models import Organization, Person


def seed_orgs(db, company, n):
    with tenancy.company_scope(company.id):
        db.session.add_all(Organization(name=f"Org {i:04d}") for i in range(n))
        db.session.commit()


def test_small_company_gets_a_plain_select(logged_in_client, db, company):
    seed_orgs(db, company, 3)
    html = logged_in_client.get("/people/new").get_data(as_text=True)
    assert "Org 0002" in html and "organization-search" not in html


def test_large_company_gets_a_page_of_choices_and_a_search(logged_in_client, db, company):
    seed_orgs(db, company, services.ORGANIZATION_CHOICES + 5)
    html = logged_in_client.get("/people/new").get_data(as_text=True)
    assert 'id="organizations-0-organization_id-search"' in html
    select = html.split('id="organizations-0-organization_id"', 1)[1].split("</select>", 1)[0]
    assert select.count("<option") == services.ORGANIZATION_CHOICES + 1  # + the empty choice
    template = html.split('id="organizations-template"', 1)[1].split("</template>", 1)[0]
    assert template.count("<option") == 1 and "organization_search" in template  # an added row starts with its search box
    options = logged_in_client.get("/organizations/options?organization_search=0203", headers={"HX-Request": "true"})
    assert options.status_code == 200
    assert "Org 0203" in options.get_data(as_text=True) and "Org 0001" not in options.get_data(as_text=True)


def test_an_organization_beyond_the_first_page_can_be_chosen_and_is_kept(logged_in_client, db, company):
    seed_orgs(db, company, services.ORGANIZATION_CHOICES + 5)
    with tenancy.company_scope(company.id):
        last = db.session.scalars(select(Organization).where(Organization.name == "Org 0204")).one()
    response = logged_in_client.post_form("/people", {"first_name": "Zed", "organization_id": str(last.id), "lifecycle_stage": "lead"}, token_from="/people/new")
    assert response.status_code == 303
    with tenancy.company_scope(company.id):
        zed = db.session.scalars(select(Person).where(Person.first_name == "Zed")).one()
        assert zed.organization_id == last.id
    edit = logged_in_client.get(f"/people/{zed.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{last.id}">Org 0204</option>' in edit or f'value="{last.id}" selected' in edit


def test_unknown_organization_id_is_422(logged_in_client, company):
    response = logged_in_client.post_form("/people", {"first_name": "Zed", "organization_id": "999999", "lifecycle_stage": "lead"}, token_from="/people/new")
    assert response.status_code == 422

"""Lead capture: the public web form (honeypot, rate limit, 404, 422, thanks / redirect), and the CSV import."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.plugins.runtime import set_enabled

GOOD = {"name": "Grace Hopper", "email": "grace@navy.example", "phone": "+1 555 0100", "organization": "US Navy",
        "message": "We need a CRM for 40 people.", "source": "pricing-page"}


def leads_of(company, db):
    from crm_sales.models import Lead

    db.session.expire_all()
    with tenancy.company_scope(company.id):
        return list(db.session.scalars(select(Lead).order_by(Lead.id)))


def test_public_form_creates_a_lead_without_sign_in_or_csrf(client, company, db):
    response = client.post("/f/acme/lead", data=GOOD)
    assert response.status_code == 200 and "Thank you" in response.get_data(as_text=True)
    [lead] = leads_of(company, db)
    assert (lead.name, lead.email, lead.organization_name, lead.source, lead.status) == (
        "Grace Hopper", "grace@navy.example", "US Navy", "pricing-page", "new")
    assert lead.message == "We need a CRM for 40 people."
    assert client.post("/f/acme/lead", data={"name": "Ann", "email": "ann@x.example"}).status_code == 200
    assert leads_of(company, db)[-1].source == "web form"


def test_json_submissions(client, company, db):
    created = client.post("/f/acme/lead", json={"name": "Api Person", "email": "api@x.example"})
    assert created.status_code == 201 and created.get_json() == {"ok": True}
    bad = client.post("/f/acme/lead", json={"name": "", "email": "nope"})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"name", "email"}
    asked = client.post("/f/acme/lead", data={"name": "X"}, headers={"Accept": "application/json"})
    assert asked.status_code == 422 and "email" in asked.get_json()["errors"]
    assert [lead.name for lead in leads_of(company, db)] == ["Api Person"]


def test_honeypot_is_thanked_and_dropped(client, company, db):
    response = client.post("/f/acme/lead", data={**GOOD, "website": "http://spam.example"})
    assert response.status_code == 200 and "Thank you" in response.get_data(as_text=True)
    assert leads_of(company, db) == []


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "a@b.example"}, "Enter a name."),
        ({"name": "No Contact"}, "Enter an email address or a phone number."),
        ({"name": "Bad", "email": "not-an-email"}, "Enter a valid email address."),
        ({"name": "Bad", "phone": "call me"}, "Use digits"),
        ({"name": "X" * 201, "email": "a@b.example"}, "longer than 200"),
        ({"name": "Long", "email": "a@b.example", "message": "m" * 5001}, "longer than 5000"),
    ],
)
def test_bad_input_is_422_with_the_form(client, company, db, data, message):
    response = client.post("/f/acme/lead", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and 'name="website"' in html
    assert leads_of(company, db) == []


def test_unknown_slug_and_disabled_plugin_are_404(client, company, other_company, db):
    assert client.post("/f/nobody/lead", data=GOOD).status_code == 404
    assert client.get("/f/nobody/lead").status_code == 404
    set_enabled(company, "sales", False)
    assert client.post("/f/acme/lead", data=GOOD).status_code == 404
    assert client.get("/f/acme/lead").status_code == 404
    assert leads_of(company, db) == []
    assert client.post("/f/globex/lead", data=GOOD).status_code == 200  # Globex still has the plugin
    assert leads_of(company, db) == [] and len(leads_of(other_company, db)) == 1


def test_a_signed_in_user_of_another_company_can_submit(logged_in_client, company, other_company, db):
    set_enabled(company, "sales", False)  # the visitor's own company does not use the plugin
    assert logged_in_client.post("/f/globex/lead", data=GOOD).status_code == 200
    assert len(leads_of(other_company, db)) == 1


def test_rate_limit_per_ip(make_app, company, db):
    limited = make_app(RATELIMIT_ENABLED=True, CRM_SALES_LEAD_FORM_RATE_LIMIT="3 per minute")
    visitor = limited.test_client()
    codes = [visitor.post("/f/acme/lead", data=GOOD).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other_ip = visitor.post("/f/acme/lead", data=GOOD, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other_ip.status_code == 200
    assert len(leads_of(company, db)) == 4


def test_redirect_after_the_form_must_be_http(logged_in_client, client, company, db):
    bad = logged_in_client.post_form("/settings/plugins/sales/settings", {"currency": "EUR", "lead_form_redirect": "javascript:alert(1)"},
                                     token_from="/settings/plugins/sales/settings")
    assert bad.status_code == 422 and "http" in bad.get_data(as_text=True)
    for url in ("//evil.example", "https://", "https://a b.example/x"):
        response = logged_in_client.post_form("/settings/plugins/sales/settings", {"currency": "EUR", "lead_form_redirect": url},
                                              token_from="/settings/plugins/sales/settings")
        assert response.status_code == 422, url
    ok = logged_in_client.post_form("/settings/plugins/sales/settings", {"currency": "EUR", "lead_form_redirect": "https://acme.example/thanks"},
                                    token_from="/settings/plugins/sales/settings")
    assert ok.status_code == 303
    response = client.post("/f/acme/lead", data=GOOD)
    assert response.status_code == 303 and response.headers["Location"] == "https://acme.example/thanks"


def test_embed_page_shows_a_snippet_with_the_absolute_url(logged_in_client, client):
    html = logged_in_client.get("/sales/leads/web-form").get_data(as_text=True)
    assert "http://crm.test/f/acme/lead" in html and "&lt;form method=&#34;post&#34;" in html and 'name="website"' not in html.split("<textarea")[0]
    hosted = client.get("/f/acme/lead")
    assert hosted.status_code == 200 and 'action="http://crm.test/f/acme/lead"' in hosted.get_data(as_text=True)


# CSV import -------------------------------------------------------------------------


def upload(client, content: bytes, encoding: str = "utf-8-sig", source: str = "import"):
    return client.post_form(
        "/sales/leads/import", {"file": (io.BytesIO(content), "leads.csv"), "encoding": encoding, "source": source},
        token_from="/sales/leads/import", content_type="multipart/form-data",
    )


def test_csv_import_adds_good_rows_and_reports_bad_ones(logged_in_client, company, db):
    content = (
        "Name,Email,Phone,Organization,Source,Message,Extra\n"
        "Ada Lovelace,ada@engines.example,,Analytical Engines,referral,Hello,x\n"
        ",nobody@x.example,,,,,\n"
        "Bad Mail,bad-mail,,,,,\n"
        "\n"
        "Phone Only,,+44 20 7946 0000,,,,\n"
        f"Huge,h@x.example,,,,{'z' * 6000},\n"
    ).encode()
    response = upload(logged_in_client, content)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 leads added, 3 rows refused" in html
    assert "Enter a name." in html and "Enter a valid email address." in html and "longer than 5000" in html
    assert "Columns ignored: extra" in html
    names = [(lead.name, lead.source) for lead in leads_of(company, db)]
    assert names == [("Ada Lovelace", "referral"), ("Phone Only", "import")]


def test_csv_semicolons_and_a_bom(logged_in_client, company, db):
    response = upload(logged_in_client, "\ufeffname;email\nJosé Núñez;jose@x.example\n".encode("utf-8"))
    assert response.status_code == 200
    assert [lead.name for lead in leads_of(company, db)] == ["José Núñez"]


def test_csv_wrong_encoding_is_explained(logged_in_client, company, db):
    latin = "name,email\nJosé,jose@x.example\n".encode("cp1252")
    refused = upload(logged_in_client, latin)
    assert refused.status_code == 422 and "not valid UTF-8" in refused.get_data(as_text=True)
    assert leads_of(company, db) == []
    accepted = upload(logged_in_client, latin, encoding="cp1252")
    assert accepted.status_code == 200 and [lead.name for lead in leads_of(company, db)] == ["José"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"email,phone\na@b.example,1\n", "The column “name” is missing"),
        (b"", "The file is empty."),
        (b"name,email\n\x00\x00\x00", "binary data"),
    ],
)
def test_csv_unusable_files_are_422(logged_in_client, company, db, content, message):
    response = upload(logged_in_client, content)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert leads_of(company, db) == []


def test_csv_cell_beyond_the_reader_limit_stops_with_a_report(logged_in_client, company, db):
    content = ("name,email,message\nFirst,f@x.example,hi\n" + f'Big,b@x.example,"{"y" * 30000}"\n' + "Last,l@x.example,\n").encode()
    response = upload(logged_in_client, content)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "could not be read further" in html
    assert [lead.name for lead in leads_of(company, db)] == ["First"]


def test_csv_without_a_file_is_422(logged_in_client):
    response = logged_in_client.post_form("/sales/leads/import", {"encoding": "utf-8-sig"}, token_from="/sales/leads/import")
    assert response.status_code == 422 and "The file is empty." in response.get_data(as_text=True)

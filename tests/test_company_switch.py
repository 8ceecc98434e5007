"""A user of several companies switches between them from the header."""

from crm_platform.testing import make_user


def test_switch_between_own_companies(app, client, company, other_company):
    user = make_user(company, "multi@x.test", "member", name="Multi")
    make_user(other_company, "multi@x.test", "readonly")
    client.login(user.email)
    page = client.get("/").get_data(as_text=True)
    assert 'name="company_id"' in page and "Globex" in page and "Acme" in page
    token = client.csrf_token("/")
    response = client.post("/switch-company", data={"company_id": other_company.id, "csrf_token": token})
    assert response.status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert '<span class="brand-name">Globex</span>' in page


def test_switch_to_a_company_you_do_not_belong_to_is_404(app, logged_in_client, other_company):
    token = logged_in_client.csrf_token("/")
    response = logged_in_client.post("/switch-company", data={"company_id": other_company.id, "csrf_token": token})
    assert response.status_code == 404
    assert '<span class="brand-name">Acme</span>' in logged_in_client.get("/").get_data(as_text=True)


def test_switch_with_garbage_is_404_not_500(app, logged_in_client):
    token = logged_in_client.csrf_token("/")
    assert logged_in_client.post("/switch-company", data={"company_id": "abc", "csrf_token": token}).status_code == 404


def test_switch_via_htmx_answers_with_hx_redirect(app, client, company, other_company):
    user = make_user(company, "multi@x.test", "member")
    make_user(other_company, "multi@x.test", "member")
    client.login(user.email)
    response = client.htmx("post", "/switch-company", data={"company_id": other_company.id})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/"

"""The app starts, serves its probes and signs a user in."""


def test_healthz_needs_no_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_reports_database_and_migrations(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["migrations"] == "head"


def test_sign_in_reaches_dashboard(logged_in_client):
    page = logged_in_client.get("/")
    assert page.status_code == 200
    assert "Welcome back, Ada Admin" in page.get_data(as_text=True)

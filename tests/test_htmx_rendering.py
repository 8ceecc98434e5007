"""One URL, two representations: whole page, or the named block for htmx."""


def test_htmx_request_gets_the_block_and_vary_header(logged_in_client):
    response = logged_in_client.get("/people", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_history_restore_and_boosted_requests_get_the_whole_page(logged_in_client):
    restore = logged_in_client.get("/people", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)
    boosted = logged_in_client.get("/people", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp

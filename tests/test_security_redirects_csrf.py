"""Open redirects after sign-in, and CSRF protection on forms and htmx requests."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crm_platform.security import is_safe_local_path
from crm_platform.testing import TEST_PASSWORD

META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
HX_HEADERS = re.compile(r"""hx-headers='\{"X-CSRFToken": "([^"]+)"\}'""")

UNSAFE_TARGETS = [
    "//evil.com",
    "//evil.com/account/",
    "/\\evil.com",
    "\\\\evil.com",
    "/\\/evil.com",
    "https:evil.com",
    "https://evil.com",
    "http://evil.com/",
    "HTTPS://evil.com",
    "javascript:alert(1)",
    "  /account/",
    "/\t/evil.com",
    "/\n/evil.com",
    "evil.com",
    "",
]


# Redirect after sign-in -------------------------------------------------------------


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
def test_unsafe_next_goes_to_the_dashboard(client, user, target):
    response = client.post_form("/login", {"email": user.email, "password": TEST_PASSWORD, "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
def test_unsafe_next_in_the_query_string_goes_to_the_dashboard(client, user, target):
    response = client.post_form("/login", {"email": user.email, "password": TEST_PASSWORD}, query_string={"next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_local_next_is_honoured(client, user):
    response = client.post_form("/login", {"email": user.email, "password": TEST_PASSWORD}, query_string={"next": "/account/"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/"


def test_next_from_a_protected_page_round_trip(client, user):
    bounce = client.get("/account/")
    login_url = bounce.headers["Location"]
    assert login_url.startswith("/login?next=")
    form = client.get(login_url).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"', form).group(1).replace("&amp;", "&")
    response = client.post_form(action, {"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/account/"


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com", "/account/"])
def test_signed_in_visit_to_login_page_redirects_locally(logged_in_client, target):
    response = logged_in_client.get("/login", query_string={"next": target})
    location = response.headers["Location"]
    assert location == (target if target == "/account/" else "/")


# is_safe_local_path ------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/", "/account/", "/contacts/people?q=a%20b&page=2", "/a/b#frag", "/%2F%2Fevil.com"])
def test_local_paths_are_safe(target):
    assert is_safe_local_path(target) is True


@pytest.mark.parametrize("target", [*UNSAFE_TARGETS, None, "/\x00", "/\x7f\\evil", "ftp://x/"])
def test_other_targets_are_unsafe(target):
    assert is_safe_local_path(target) is False


def _browser_view(target: str) -> str:
    """What a browser resolves: tabs and newlines removed, backslashes read as slashes."""
    return re.sub(r"[\t\n\r]", "", target).replace("\\", "/")


def _assert_local(target: str) -> None:
    for seen in (target, _browser_view(target)):
        parts = urlsplit(seen)
        assert not parts.scheme and not parts.netloc, seen
        assert seen.startswith("/") and not seen.startswith("//"), seen


# No example database: nothing is written into the working tree.
QUICK = settings(database=None, deadline=None)


@QUICK
@given(st.text())
@example("//evil.com")
@example("/\\evil.com")
@example("https:evil.com")
def test_random_text_never_yields_an_external_target(target):
    if is_safe_local_path(target):
        _assert_local(target)


@QUICK
@given(st.text(alphabet=st.sampled_from(list("/\\:.@?#%\t\n ahttpsj")) | st.characters(), max_size=30))
def test_slash_heavy_text_never_yields_an_external_target(target):
    for candidate in (target, "/" + target):
        if is_safe_local_path(candidate):
            _assert_local(candidate)


# CSRF ---------------------------------------------------------------------------------


def test_login_without_token_is_400_page(client, user):
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<html" in html and "Reload the page and try again" in html
    assert client.get("/").status_code == 303  # not signed in


def test_login_with_forged_token_is_400(client, user):
    client.get("/login")
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400


def test_logout_without_token_is_400_and_keeps_the_session(logged_in_client):
    response = logged_in_client.post("/logout")
    assert response.status_code == 400
    assert "Reload the page and try again" in response.get_data(as_text=True)
    assert logged_in_client.get("/").status_code == 200


def test_htmx_post_with_forged_header_gets_a_fragment(logged_in_client):
    response = logged_in_client.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": "forged-token"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<html" not in html and "toast" in html
    assert response.headers["HX-Retarget"] == "#toasts"
    assert logged_in_client.get("/").status_code == 200


def test_htmx_post_with_real_header_works(logged_in_client):
    response = logged_in_client.htmx("POST", "/logout")
    assert response.status_code == 303
    assert logged_in_client.get("/").status_code == 303


def test_layout_puts_the_token_in_hx_headers(logged_in_client):
    html = logged_in_client.get("/").get_data(as_text=True)
    meta = META_TOKEN.search(html)
    header = HX_HEADERS.search(html)
    assert meta and header
    assert header.group(1) == meta.group(1)


def test_token_from_another_session_is_refused(app, user):
    attacker = app.test_client()
    stolen = attacker.csrf_token("/login")
    victim = app.test_client()
    victim.get("/login")
    response = victim.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": stolen})
    assert response.status_code == 400


def test_get_logout_is_405(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "<html" in response.get_data(as_text=True)

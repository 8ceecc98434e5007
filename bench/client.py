"""A small HTTP client (standard library only): cookies, CSRF tokens, forms, timing."""

from __future__ import annotations

import html
import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from bench import settings as S

_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_INPUT_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*name="csrf_token"')
_NEXT = re.compile(r'rel="next" href="([^"]+)"')
_TAG_ATTRS = re.compile(r'([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?')
_INPUT = re.compile(r"<input\b([^>]*)>")
_SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S)
_OPTION_SELECTED = re.compile(r"<option\b([^>]*\bselected\b[^>]*)>")
_TEXTAREA = re.compile(r"<textarea\b([^>]*)>(.*?)</textarea>", re.S)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str]
    seconds: float


class Client:
    """One browser: a cookie jar; redirects are not followed (statuses are checked as they come)."""

    def __init__(self, base: str, timeout: float = 60.0) -> None:
        if not base.startswith("http://127.0.0.1:"):
            raise ValueError("the bench only talks to 127.0.0.1")
        self.base = base
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.csrf: str | None = None

    def request(self, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Response:
        """GET (or POST when ``data`` is given) ``path``; the time covers the whole body."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=self.timeout) as resp:
                text = resp.read().decode("utf-8", "replace")
                status, resp_headers = resp.status, dict(resp.headers)
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")
            status, resp_headers = exc.code, dict(exc.headers)
        return Response(status, text, resp_headers, time.perf_counter() - started)

    def get(self, path: str, **headers: str) -> Response:
        return self.request(path, headers=headers)

    def htmx_post(self, path: str, data: dict[str, str]) -> Response:
        """A POST the way htmx sends it: ``HX-Request`` and the CSRF token as ``X-CSRFToken``."""
        return self.request(path, data, {"HX-Request": "true", "X-CSRFToken": self.csrf or ""})

    def login(self, email: str = S.ADMIN_EMAIL, password: str = S.ADMIN_PASSWORD) -> None:
        """Sign in through the real /login form (CSRF token parsed from the page)."""
        page = self.get("/login")
        token = csrf_from(page.body)
        if page.status != 200 or not token:
            raise RuntimeError(f"/login answered {page.status} without a CSRF token")
        done = self.request("/login", {"csrf_token": token, "email": email, "password": password})
        if done.status != 303:
            raise RuntimeError(f"sign-in failed: POST /login answered {done.status}")
        home = self.get("/")
        if home.status != 200:
            raise RuntimeError(f"after sign-in / answered {home.status}")
        self.csrf = csrf_from(home.body)


def csrf_from(page: str) -> str | None:
    """The CSRF token of a page (the layout's meta tag, or a form's hidden field)."""
    match = _META_CSRF.search(page)
    if match:
        return html.unescape(match.group(1))
    match = _INPUT_CSRF.search(page)
    return html.unescape(match.group(1) or match.group(2)) if match else None


def next_link(page: str) -> str | None:
    """The ``rel="next"`` link of a keyset pager, if any."""
    match = _NEXT.search(page)
    return html.unescape(match.group(1)) if match else None


def _attrs(text: str) -> dict[str, str]:
    return {name: html.unescape(value or "") for name, value in _TAG_ATTRS.findall(text)}


def form_values(page: str) -> dict[str, str]:
    """The current values of a page's form fields (inputs, selected options, text areas)."""
    values: dict[str, str] = {}
    for raw in _INPUT.findall(page):
        attrs = _attrs(raw)
        if "name" not in attrs or attrs.get("type") in ("submit", "button"):
            continue
        if attrs.get("type") in ("checkbox", "radio"):
            if "checked" in attrs:  # like a browser: only checked boxes are sent
                values[attrs["name"]] = attrs.get("value", "on")
            continue
        values[attrs["name"]] = attrs.get("value", "")
    for raw, options in _SELECT.findall(page):
        name = _attrs(raw).get("name")
        selected = _OPTION_SELECTED.search(options)
        if name:
            values[name] = _attrs(selected.group(1)).get("value", "") if selected else ""
    for raw, text in _TEXTAREA.findall(page):
        name = _attrs(raw).get("name")
        if name:
            values[name] = html.unescape(text.removeprefix("\n"))
    return values

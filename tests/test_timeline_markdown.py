"""Markdown notes are sanitised: no script, no javascript: links, no htmx or event attributes."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from crm_platform.timeline.markdown import excerpt, mentions_in, render_markdown, sanitize_html
from tests.timeline_helpers import add_person, htmx_post

ATTACKS = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    '<a href="/x" hx-get="/people/1/delete" hx-trigger="load">x</a>',
    '<img src=x onerror="alert(1)">',
    '<div hx-post="/logout" hx-trigger="load" style="color:red">boom</div>',
    "![img](javascript:alert(1))",
    "<iframe src='https://evil.test'></iframe>",
]


class _Tags(HTMLParser):
    """Collects the real elements and attributes of an HTML fragment (escaped text is not a tag)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(name, value or "") for name, value in attrs]


def parsed(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(str(html))
    return parser


def assert_harmless(html: str) -> None:
    tags = parsed(html)
    assert not {"script", "iframe", "img", "style", "object", "embed"} & set(tags.tags), html
    for name, value in tags.attrs:
        assert not name.startswith(("on", "hx-", "data-hx", "style")), html
        if name in ("href", "src"):
            assert value.lower().startswith(("http:", "https:", "mailto:", "tel:", "/")), html


@pytest.mark.parametrize("source", ATTACKS)
def test_dangerous_markup_never_survives_markdown(source):
    assert_harmless(render_markdown(source))


@pytest.mark.parametrize("source", ATTACKS)
def test_the_sanitiser_strips_dangerous_html_itself(source):
    """Even raw HTML (should Markdown ever pass it through) loses scripts, handlers and hx-* attributes."""
    html = sanitize_html(source)
    assert_harmless(html)
    assert "alert" not in html or "<script" not in html


def test_raw_html_is_shown_as_text_and_links_are_safe():
    html = str(render_markdown('<b>bold?</b> [site](https://example.com) <a hx-get="/x">y</a>'))
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">site</a>' in html
    assert "<a hx-get" not in html


def test_mentions_are_highlighted_and_escaped():
    html = str(render_markdown("Hi @[Ada <b>Lovelace</b>](user:12), see **this**"))
    assert '<span class="mention" data-user-id="12">@Ada &lt;b&gt;Lovelace&lt;/b&gt;</span>' in html
    assert "<strong>this</strong>" in html
    assert mentions_in("@[A](user:1) @[B](user:2) @[A again](user:1) @[x](user:abc)") == [("A", 1), ("B", 2)]
    assert excerpt("Ping @[Ada](user:1) " + "x" * 300, 20).startswith("Ping @Ada xxxxxxxx")


def test_placeholder_characters_typed_by_a_user_do_nothing():
    html = str(render_markdown("\ue0000\ue001 and @[Ada](user:3)"))
    assert html.count('class="mention"') == 1


def test_script_in_a_note_is_inert_on_the_page(logged_in_client, company, db):
    person = add_person(company, db)
    body = '<script>alert(1)</script> [x](javascript:alert(1)) <span hx-get="/logout" hx-trigger="load">y</span>'
    response = htmx_post(logged_in_client, f"/people/{person.id}/activities", {"kind": "note", "body": body})
    assert response.status_code == 200
    page = logged_in_client.get(f"/people/{person.id}").get_data(as_text=True)
    note = page.split('class="timeline-body markdown" hx-disable>')[1].split("</div>")[0]
    assert "<script" not in note and 'href="javascript' not in note and "<span hx-get" not in note
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in note

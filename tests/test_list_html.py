"""The people list rows built in Python (crm_platform/contacts/list_html.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import url_for
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup, escape

from crm_platform.contacts.list_html import id_url, people_rows
from crm_platform.contacts.list_rows import ListedOrganization, ListedOwner, ListedPerson, ListedTag
from crm_platform.templating import escape_text

NOW = datetime(2026, 1, 2, tzinfo=UTC)


def _person(**changes) -> ListedPerson:
    values = dict(id=7, company_id=1, first_name="<script>alert(1)</script>", last_name="O'Neil", email="a&b@example.com",
                  phone="+14155550123", job_title='CEO "boss"', lifecycle_stage="customer", organization_id=3,
                  owner_id=2, created_at=NOW, updated_at=NOW, version=1)
    values.update(changes)
    person = ListedPerson(**values)
    person.organization = ListedOrganization(3, "Smith & <Co>")
    person.owner = ListedOwner(2, None, "owner@example.com")
    person.tags = [ListedTag(1, "<vip>")]
    return person


def test_every_value_is_escaped_and_links_are_the_app_urls(app):
    with app.test_request_context("/people"):
        html = str(people_rows([_person()], [], editable=True))
        person_url, org_url = url_for("contacts.person", person_id=7), url_for("contacts.organization", organization_id=3)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; O&#39;Neil" in html
    assert f'<a href="{person_url}">' in html and f'href="{org_url}" title="Smith &amp; &lt;Co&gt;"' in html
    assert 'href="mailto:a&amp;b@example.com"' in html and 'title="CEO &#34;boss&#34;"' in html
    assert "+1 415-555-0123" in html and 'class="badge badge-customer">Customer<' in html
    assert "owner@example.com" in html and '<span class="badge tag-badge">&lt;vip&gt;</span>' in html
    assert 'name="ids" value="7"' in html


def test_read_only_rows_have_no_checkbox_and_empty_cells_stay(app):
    bare = _person(email="", phone="", job_title="", organization_id=None, owner_id=None)
    bare.organization, bare.owner, bare.tags = None, None, []
    with app.test_request_context("/people"):
        html = str(people_rows([bare], [], editable=False))
    assert 'name="ids"' not in html and "muted small clip" not in html
    assert html.count("<td") == 7 and html.startswith("<tr>") and html.rstrip().endswith("</tr>")


def test_plugin_columns_escape_text_and_keep_markup(app):
    columns = [(object(), {7: "<b>text</b>"}), (object(), {7: Markup("<b>html</b>")}), (object(), {})]
    with app.test_request_context("/people"):
        html = str(people_rows([_person()], columns, editable=False))
    assert "<td>&lt;b&gt;text&lt;/b&gt;</td><td><b>html</b></td><td></td></tr>" in html


def test_id_url_builds_what_url_for_builds(app):
    with app.test_request_context("/people"):
        build = id_url("contacts.person", "person_id")
        assert [build(n) for n in (0, 5, 123456)] == [url_for("contacts.person", person_id=n) for n in (0, 5, 123456)]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.integers(), st.none(), st.text().map(Markup)))
def test_escape_text_escapes_exactly_as_markupsafe(value):
    assert escape_text(value) == str(escape(value))

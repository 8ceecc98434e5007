"""Proof of the plugin contract with real, pip-installed plugin packages kept under tests/plugins.

The example plugin adds a page, a model with its migration, a timeline entry type, a
person panel, a dashboard widget and settings. The broken plugins prove isolation.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from crm_platform import tenancy
from crm_platform.extensions import db as handle
from crm_platform.plugins import runtime
from crm_platform.testing import empty_tables, make_user

HERE = Path(__file__).parent / "plugins"
DISTRIBUTIONS = ("crm-example-plugin", "crm-broken-plugins")


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args], check=True, timeout=300)


@pytest.fixture(scope="module")
def plugin_app(make_app):
    """Install the example packages into this environment, upgrade the existing database."""
    from flask_migrate import downgrade, upgrade

    pip("install", "--no-deps", "--no-build-isolation", str(HERE / "example"), str(HERE / "broken"))
    importlib.invalidate_caches()
    app = make_app()
    with app.app_context():
        upgrade(revision="heads")  # an existing deployment gets the new plugin's branch
    try:
        yield app
    finally:
        with app.app_context():
            empty_tables(handle)
            downgrade(revision="example@base")
        pip("uninstall", "-y", *DISTRIBUTIONS)
        importlib.invalidate_caches()


@pytest.fixture()
def ctx(plugin_app):
    with plugin_app.app_context():
        try:
            yield plugin_app
        finally:
            empty_tables(handle)


@pytest.fixture()
def two(ctx):
    """Company A has the example plugin enabled; company B has not."""
    from crm_platform.companies.service import create_company

    a = create_company("Alpha", slug="alpha")
    b = create_company("Beta", slug="beta")
    user_a = make_user(a, "a@alpha.test", "admin")
    user_b = make_user(b, "b@beta.test", "admin")
    runtime.set_enabled(a, "example", True)
    client_a, client_b = ctx.test_client(), ctx.test_client()
    client_a.login(user_a.email)
    client_b.login(user_b.email)
    return a, b, client_a, client_b


def record(app, name):
    return next(r for r in app.extensions["crm"].plugins if r.name == name)


def test_installed_plugins_are_discovered_with_metadata(ctx):
    example = record(ctx, "example")
    assert example.loaded and example.version == "1.2.0"
    assert example.description.startswith("Example third-party plugin")
    assert "Example Author" in example.author


def test_broken_plugins_are_refused_whole_and_the_app_starts(ctx, client):
    assert "cannot start" in record(ctx, "broken_import").error
    misspelt = record(ctx, "misspelt").error
    assert "crm_nav_itemz" in misspelt
    assert "2.0" in record(ctx, "incompatible").error
    pm = ctx.extensions["crm"].pm
    assert pm.get_plugin("misspelt") is None and pm.get_plugin("incompatible") is None
    assert client.get("/healthz").status_code == 200


def test_migration_branch_applied_to_existing_database(ctx, client):
    assert "example_ping" in inspect(handle.engine).get_table_names()
    assert client.get("/readyz").status_code == 200


def test_plugin_appears_only_for_the_company_that_enabled_it(two):
    a, b, client_a, client_b = two
    page_a = client_a.get("/").get_data(as_text=True)
    assert 'href="/example/"' in page_a and "Example pings" in page_a
    assert client_a.get("/example/").status_code == 200
    page_b = client_b.get("/").get_data(as_text=True)
    assert 'href="/example/"' not in page_b and "Example pings" not in page_b
    assert client_b.get("/example/").status_code == 404
    assert client_b.post_form("/example/pings", {"text": "x"}, token_from="/").status_code == 404


def test_admin_page_lists_plugins_with_state_and_errors(two):
    a, b, client_a, client_b = two
    html = client_a.get("/settings/plugins/").get_data(as_text=True)
    assert "example" in html and "1.2.0" in html and "Enabled" in html
    assert "Refused" in html and "cannot start" in html


def test_enable_disable_without_restart_keeps_data_until_purge(two):
    a, b, client_a, client_b = two
    assert client_b.post_form("/settings/plugins/example/enable", token_from="/").status_code == 303
    assert client_b.get("/example/").status_code == 200
    client_b.post_form("/example/pings", {"text": "kept"}, token_from="/")
    assert "kept" in client_b.get("/example/").get_data(as_text=True)
    client_b.post_form("/settings/plugins/example/disable", token_from="/")
    assert client_b.get("/example/").status_code == 404
    from crm_example.models import ExamplePing

    with tenancy.company_scope(b.id):
        assert handle.session.scalar(select(func.count()).select_from(ExamplePing)) == 1
    client_b.post_form("/settings/plugins/example/purge", {"confirm": "wrong"}, token_from="/")
    with tenancy.company_scope(b.id):
        assert handle.session.scalar(select(func.count()).select_from(ExamplePing)) == 1
    client_b.post_form("/settings/plugins/example/purge", {"confirm": "example"}, token_from="/")
    with tenancy.company_scope(b.id):
        assert handle.session.scalar(select(func.count()).select_from(ExamplePing)) == 0


def test_generated_settings_form_validates_and_saves(two):
    a, b, client_a, client_b = two
    form = client_a.get("/settings/plugins/example/settings").get_data(as_text=True)
    assert 'name="greeting"' in form and 'name="limit"' in form and 'name="loud"' in form
    bad = client_a.post_form("/settings/plugins/example/settings", {"greeting": "", "limit": "many"}, token_from="/")
    assert bad.status_code == 422
    good = client_a.post_form("/settings/plugins/example/settings", {"greeting": "Ahoy", "limit": "3"}, token_from="/")
    assert good.status_code == 303
    assert "Ahoy from the example plugin" in client_a.get("/example/").get_data(as_text=True)
    assert client_b.get("/settings/plugins/example/settings").status_code == 404


def test_crashing_ui_hooks_become_error_boxes(two):
    a, b, client_a, client_b = two
    page = client_a.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "crashy" in html and "plugin-error" in html
    assert "Welcome back" in html


def test_data_hooks_raise_and_roll_back(two):
    from crm_platform.contacts.models import Person

    a, *_ = two
    with tenancy.company_scope(a.id):
        survivor, merged = Person(first_name="Temp"), Person(first_name="Other")
        handle.session.add_all([survivor, merged])
        handle.session.flush()
        with pytest.raises(RuntimeError, match="merge hook failed"):
            runtime.call_data("crm_person_merged", survivor=survivor, merged=merged)
        handle.session.rollback()
        assert handle.session.scalar(select(func.count()).select_from(Person)) == 0


def test_safe_mode_and_allowlist(plugin_app, make_app):
    safe = make_app(CRM_SAFE_MODE=True)
    assert all(r.core for r in safe.extensions["crm"].plugins)
    only = make_app(CRM_PLUGINS=["example"])
    names = {r.name for r in only.extensions["crm"].plugins if not r.core}
    assert names == {"example"}


def test_plugin_routes_hide_other_companies_too(make_app, plugin_app):
    from crm_platform.testing_routes import assert_foreign_ids_are_404

    app = make_app(WTF_CSRF_ENABLED=False)
    assert any(rule.rule.startswith("/example/people/") for rule in app.url_map.iter_rules())
    with app.app_context():
        try:
            assert_foreign_ids_are_404(app)
        finally:
            empty_tables(handle)


def test_crm_plugins_list(plugin_app, two):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from crm_platform.cli import main

    result = CliRunner().invoke(main, ["plugins", "list"], obj=ScriptInfo(create_app=lambda: plugin_app))
    assert result.exit_code == 0, result.output
    assert "example 1.2.0  enabled in: alpha" in result.output
    assert "broken_import" in result.output and "REFUSED" in result.output


def test_personal_data_export_includes_plugin_data(two):
    from crm_platform.contacts.models import Person
    from crm_platform.privacy.service import export_person

    a, *_ = two
    with tenancy.company_scope(a.id):
        person = Person(first_name="Export")
        handle.session.add(person)
        handle.session.flush()
        data = export_person(person)
        handle.session.rollback()
    assert data["plugins"]["example"] == {"example": []}


def test_search_provider_failure_is_isolated(two):
    a, b, client_a, client_b = two
    response = client_a.get("/search?q=x")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "plugin-error" in html and "crashy" in html

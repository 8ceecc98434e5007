"""A theme installed as a package (entry point ``crm_platform.themes``), kept under tests/themes.

It pip-installs into this environment, so it runs last (see LAST_MODULES in conftest.py).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from crm_platform.extensions import db as handle
from crm_platform.testing import empty_tables, make_user

HERE = Path(__file__).parent / "themes"
DISTRIBUTION = "crm-example-theme"


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args], check=True, timeout=300)


@pytest.fixture(scope="module")
def theme_app(make_app):
    """Install the example theme package, then start an app that discovers it."""
    pip("install", "--no-deps", "--no-build-isolation", str(HERE / "example_theme"))
    importlib.invalidate_caches()
    try:
        yield make_app()
    finally:
        pip("uninstall", "-y", DISTRIBUTION)
        importlib.invalidate_caches()


@pytest.fixture()
def ctx(theme_app):
    with theme_app.app_context():
        try:
            yield theme_app
        finally:
            empty_tables(handle)


def test_package_theme_is_discovered(ctx):
    theme = ctx.extensions["crm_themes"].get("example")
    assert theme is not None, [(t.name, t.problems) for t in ctx.extensions["crm_themes"].all()]
    assert theme.origin == "package crm-example-theme 0.3.0"
    assert theme.parent == "dark" and theme.version == "0.3.0"
    assert [t.name for t in ctx.extensions["crm_themes"].chain("example")] == ["example", "dark"]
    result = ctx.test_cli_runner().invoke(args=["themes", "list"])
    assert "example 0.3.0  parent: dark  origin: package crm-example-theme 0.3.0" in result.output


def test_one_company_chooses_the_package_theme_and_another_does_not_see_it(ctx):
    from crm_platform.companies.service import create_company

    a, b = create_company("Alpha", slug="alpha"), create_company("Beta", slug="beta")
    ca, cb = ctx.test_client(), ctx.test_client()
    ca.login(make_user(a, "a@alpha.test", "admin").email)
    cb.login(make_user(b, "b@beta.test", "admin").email)
    assert "Example" in ca.get("/settings/branding").get_data(as_text=True)
    response = ca.post_form("/settings/branding", {"theme": "example", "accent": ""}, token_from="/",
                            content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    for _ in range(2):
        page_a = ca.get("/people").get_data(as_text=True)
        page_b = cb.get("/people").get_data(as_text=True)
        assert "Served with the example theme" in page_a
        assert "/themes/dark/static/theme.css" in page_a and "/themes/example/static/theme.css" in page_a
        assert page_a.index("/themes/dark/static/theme.css") < page_a.index("/themes/example/static/theme.css")
        assert "Served with the example theme" not in page_b and "/themes/" not in page_b
    css = ca.get("/themes/example/static/theme.css")
    assert css.status_code == 200 and b"--accent: #2dd4bf" in css.data

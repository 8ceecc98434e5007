"""``crm plugins new NAME``: write a working, installable plugin with a passing test."""

from __future__ import annotations

from pathlib import Path
from string import Template

from crm_platform.plugins.hookspecs import CONTRACT_VERSION
from crm_platform.plugins.manager import PLUGIN_NAME

FILES: dict[str, str] = {
    "pyproject.toml": """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "crm-plugin-$name"
version = "0.1.0"
description = "$title for crm_platform"
authors = [{ name = "Your name" }]
requires-python = ">=3.11"
dependencies = ["crm-platform"]

[project.entry-points."crm_platform.plugins"]
$name = "crm_plugin_$name"

[tool.setuptools.packages.find]
include = ["crm_plugin_$name*"]

[tool.setuptools.package-data]
"crm_plugin_$name" = ["templates/**/*", "static/**/*"]
""",
    "crm_plugin_$name/__init__.py": '''\
"""$title: a crm_platform plugin."""

from __future__ import annotations

from flask import Blueprint
from flask_login import login_required

from crm_platform.plugins import NavItem, hookimpl, render, require_permission

CRM_CONTRACT_VERSION = "$contract"
CRM_DEFAULT_ENABLED = False

bp = Blueprint("$name", __name__, url_prefix="/$name", template_folder="templates")


@bp.get("/")
@login_required
@require_permission("records.view")
def index():
    """The plugin's page."""
    return render("$name/index.html")


@hookimpl
def crm_register_blueprints():
    """Register the plugin's pages."""
    return [bp]


@hookimpl
def crm_nav_items(user, company):
    """Add the page to the sidebar."""
    return [NavItem("$title", "$name.index", icon="dot", order=50)]
''',
    "crm_plugin_$name/templates/$name/index.html": """\
{% extends "layout.html" %}
{% block title %}$title{% endblock %}
{% block header %}<h1>$title</h1>{% endblock %}
{% block content %}
<section class="card"><p>Hello from the $name plugin, {{ current_user.display_name }}.</p></section>
{% endblock %}
""",
    "tests/test_$name.py": '''\
"""Tests of the $name plugin, with the fixtures crm_platform ships for plugin authors."""

from crm_platform.plugins.runtime import set_enabled


def test_page_needs_the_plugin_enabled(logged_in_client, company):
    assert logged_in_client.get("/$name/").status_code == 404
    set_enabled(company, "$name", True)
    page = logged_in_client.get("/$name/")
    assert page.status_code == 200
    assert "Hello from the $name plugin" in page.get_data(as_text=True)
''',
    "README.md": """\
# $title

A crm_platform plugin. Install it next to the CRM with `pip install -e .`, then enable it
for a company under Settings → Plugins. Run its tests with `pytest`.
""",
}


def scaffold(name: str, target: Path) -> list[Path]:
    """Write the plugin skeleton for ``name`` into ``target``; refuses to overwrite."""
    if not PLUGIN_NAME.match(name):
        raise ValueError("Use 2-40 lowercase letters, digits and underscores, starting with a letter.")
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} exists and is not empty")
    values = {"name": name, "title": name.replace("_", " ").title(), "contract": CONTRACT_VERSION}
    written = []
    for relative, content in FILES.items():
        path = target / Template(relative).substitute(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(content).safe_substitute(values))
        written.append(path)
    return written

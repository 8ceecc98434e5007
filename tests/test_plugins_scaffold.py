"""`crm plugins new` writes a plugin that installs and passes its own test; contract checks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from flask import Blueprint
from flask.cli import ScriptInfo

from crm_platform.cli import main
from crm_platform.plugins.manager import contract_compatible, new_plugin_manager


@pytest.mark.parametrize(
    "required, ok",
    [("1.0", True), ("1.1", False), ("0.9", False), ("2.0", False), ("", False), ("one", False)],
)
def test_contract_compatibility(required, ok):
    assert contract_compatible(required, "1.0") is ok
    assert contract_compatible("1.0", "1.3") is True


def test_misspelt_core_hook_fails_loudly():
    import pluggy

    from crm_platform.plugins import hookimpl

    class Typo:
        @hookimpl
        def crm_nav_itemz(self, user, company):
            return []

    pm = new_plugin_manager()
    pm.register(Typo(), name="typo")
    with pytest.raises(pluggy.PluginValidationError):
        pm.check_pending()


def test_plugin_blueprint_must_be_named_after_the_plugin(app, monkeypatch):
    from crm_platform import app as app_module
    from crm_platform.plugins import runtime

    monkeypatch.setattr(runtime, "plugin_of_blueprints", lambda pm: [("sales", Blueprint("tickets", __name__))])
    with pytest.raises(ValueError, match="name it after the plugin"):
        app_module.create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})


def test_scaffold_refuses_bad_names_and_existing_folders(app, tmp_path):
    runner = CliRunner()
    obj = ScriptInfo(create_app=lambda: app)
    bad = runner.invoke(main, ["plugins", "new", "Bad-Name", "--path", str(tmp_path / "x")], obj=obj)
    assert bad.exit_code != 0 and "lowercase" in bad.output
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "file").write_text("x")
    taken = runner.invoke(main, ["plugins", "new", "okname", "--path", str(tmp_path / "full")], obj=obj)
    assert taken.exit_code != 0 and "not empty" in taken.output


def test_scaffolded_plugin_installs_and_its_test_passes(app, tmp_path):
    target = tmp_path / "greeter"
    result = CliRunner().invoke(main, ["plugins", "new", "greeter", "--path", str(target)], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--no-deps", "--no-build-isolation", str(target)], check=True, timeout=300)
    try:
        env = dict(os.environ)
        env.pop("CRM_TEST_DATABASE_URL", None)  # its own throwaway SQLite, never the shared test database
        env["CRM_INSTANCE_PATH"] = str(tmp_path / "instance")
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(target / "tests")],
            cwd=target, env=env, capture_output=True, text=True, timeout=300,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "1 passed" in run.stdout
    finally:
        subprocess.run([*pip, "uninstall", "-y", "crm-plugin-greeter"], check=True, timeout=120)

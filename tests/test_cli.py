"""The ``crm`` command: companies, users (password from stdin), demo data, init."""

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.auth.models import User
from crm_platform.cli import main
from crm_platform.companies.models import Company, Membership
from crm_platform.security import verify_password


@pytest.fixture()
def crm(app):
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(main, list(args), input=input, obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False)

    return invoke


def test_create_and_list_companies(crm, db):
    result = crm("companies", "create", "Initech Corp")
    assert result.exit_code == 0, result.output
    assert "slug initech-corp" in result.output
    listed = crm("companies", "list")
    assert "initech-corp" in listed.output and "Initech Corp" in listed.output


def test_duplicate_slug_is_refused(crm):
    crm("companies", "create", "One", "--slug", "one")
    result = crm("companies", "create", "Other", "--slug", "one")
    assert result.exit_code != 0
    assert "taken" in result.output


def test_create_user_with_role_reads_password_from_stdin(crm, db):
    crm("companies", "create", "Initech", "--slug", "initech")
    result = crm("users", "create", "peter@initech.test", "--company", "initech", "--role", "admin", "--name", "Peter", input="a long secret pass\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User).where(User.email == "peter@initech.test")).one()
    assert verify_password(user.password_hash, "a long secret pass")
    with tenancy.unscoped():
        membership = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).one()
    assert membership.role == "admin"


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["users", "create", "x@y.test"], "short\n", "Password refused"),
        (["users", "create", "not-an-email"], "a long secret pass\n", "valid email"),
        (["users", "create", "x@y.test", "--company", "nope"], "a long secret pass\n", "No company"),
        (["users", "create", "x@y.test", "--role", "king"], "a long secret pass\n", "Invalid value"),
    ],
)
def test_create_user_bad_input(crm, args, stdin, message):
    result = crm(*args, input=stdin)
    assert result.exit_code != 0
    assert message in result.output


def test_init_creates_demo_company_once(crm, db):
    first = crm("init")
    assert first.exit_code == 0, first.output
    assert "Sign in at http://crm.test/login as admin@example.com with password:" in first.output
    second = crm("init")
    assert "Sign in" not in second.output
    with tenancy.unscoped():
        assert db.session.scalar(select(db.func.count()).select_from(Company)) == 1

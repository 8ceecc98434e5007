"""The ``crm`` command: companies, users, demo data, the worker, and Flask-Migrate's ``db``."""

from __future__ import annotations

import getpass
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.companies.models import ROLES, Company, Membership
from crm_platform.companies.service import CompanyError, add_member, create_company, find_company, get_or_create_user
from crm_platform.extensions import db
from crm_platform.security import password_problem


def _upgrade_all_branches_by_default() -> None:
    """``crm db upgrade`` applies every branch (the core and each plugin), not a single head."""
    from flask_migrate.cli import db as db_group

    for param in db_group.commands["upgrade"].params:
        if param.name == "revision":
            param.default = "heads"


_upgrade_all_branches_by_default()


def _app_factory():  # type: ignore[no-untyped-def]
    from crm_platform.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_app_factory, add_version_option=False)
def main() -> None:
    """Manage the CRM: companies, users, demo data, the database and the worker."""


@main.group()
def companies() -> None:
    """Create and list companies."""


@companies.command("create")
@click.argument("name")
@click.option("--slug", help="Short unique identifier (default: from the name).")
@with_appcontext
def companies_create(name: str, slug: str | None) -> None:
    """Create a company called NAME."""
    try:
        company = create_company(name, slug)
    except CompanyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created company {company.name!r} (id {company.id}, slug {company.slug}).")


@companies.command("list")
@with_appcontext
def companies_list() -> None:
    """List every company with its number of members."""
    with tenancy.unscoped():
        rows = db.session.scalars(select(Company).order_by(Company.id)).all()
        counts = dict(
            db.session.execute(select(Membership.company_id, db.func.count()).group_by(Membership.company_id)).all()
        )
    if not rows:
        click.echo("No companies yet. Create one with: crm companies create NAME")
        return
    click.echo(f"{'ID':>4}  {'SLUG':<20} {'MEMBERS':>7}  NAME")
    for company in rows:
        state = "" if company.is_active else "  (inactive)"
        click.echo(f"{company.id:>4}  {company.slug:<20} {counts.get(company.id, 0):>7}  {company.name}{state}")


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat: ") != first:
            raise click.ClickException("The passwords differ.")
        return first
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@main.group()
def users() -> None:
    """Create users and give them roles."""


@users.command("create")
@click.argument("email")
@click.option("--company", "company_key", help="Company id or slug to join.")
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
@click.option("--name", default="", help="Display name.")
@click.option("--operator", is_flag=True, help="Make the user an instance operator.")
def users_create(email: str, company_key: str | None, role: str, name: str, operator: bool) -> None:
    """Create (or update) the user EMAIL; the password is read from standard input."""
    password = _read_password()
    problem = password_problem(password)
    if problem:
        raise click.ClickException(f"Password refused: {problem}")
    if "@" not in email or len(email) > 255:
        raise click.ClickException("Give a valid email address.")
    with current_app.app_context():
        company = None
        if company_key:
            company = find_company(company_key)
            if company is None:
                raise click.ClickException(f"No company {company_key!r}. See: crm companies list")
        user = get_or_create_user(email, name, password)
        if operator:
            user.is_operator = True
        if company is not None:
            add_member(company, user, role)
        db.session.commit()
        where = f" as {role} of {company.name}" if company else ""
        click.echo(f"User {user.email} is ready{where}.")


@main.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@click.option("--company", "company_key", help="Company id or slug (default: a new demo company).")
@click.option("--seed", default=2026, show_default=True, help="Random seed, for reproducible data.")
@with_appcontext
def demo_load(company_key: str | None, seed: int) -> None:
    """Fill a company with realistic demo people, organizations and activities."""
    from crm_platform.demo import DEMO_COMPANY, load_demo_data

    company = find_company(company_key) if company_key else None
    if company_key and company is None:
        raise click.ClickException(f"No company {company_key!r}.")
    if company is None:
        company = create_company(DEMO_COMPANY)
    load_demo_data(company, seed)
    click.echo(f"Demo data loaded into {company.name!r} (slug {company.slug}).")


@main.command("init")
@with_appcontext
def init() -> None:
    """Upgrade the database; on the first run create the demo company and its admin."""
    from flask_migrate import upgrade

    from crm_platform.database import refresh_planner_statistics
    from crm_platform.demo import first_run_setup
    from crm_platform.extensions import db

    upgrade(revision="heads")
    created = first_run_setup()
    refresh_planner_statistics(db.engine)
    if created:
        company, email, password = created
        base = current_app.config["CRM_BASE_URL"]
        click.echo("")
        click.echo(f"  Demo company {company.name!r} created.")
        click.echo(f"  Sign in at {base}/login as {email} with password: {password}")
        click.echo("  (Change it under Account & security.)")
        click.echo("")
    else:
        click.echo(f"Database is up to date. Open {current_app.config['CRM_BASE_URL']}/login")


@main.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
@with_appcontext
def worker(workers: int) -> None:
    """Run the background job consumer (mail, imports, schedules)."""
    from crm_platform.jobs import run_worker

    run_worker(current_app._get_current_object(), workers=workers)

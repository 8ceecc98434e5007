"""``crm plugins list`` and ``crm plugins new``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from crm_platform import tenancy
from crm_platform.companies.models import Company
from crm_platform.extensions import db


@click.group("plugins")
def plugins_group() -> None:
    """Installed plugins and scaffolding for new ones."""


@plugins_group.command("list")
@with_appcontext
def list_plugins() -> None:
    """Show installed plugins, their version, state and the companies that enabled them."""
    from crm_platform.plugins.runtime import enabled_names, optional_plugins

    plugins = optional_plugins()
    if not plugins:
        click.echo("No plugins installed.")
        return
    with tenancy.unscoped():
        companies = db.session.scalars(select(Company).order_by(Company.slug)).all()
    for record in sorted(plugins, key=lambda r: r.name):
        if record.error:
            click.echo(f"{record.name} {record.version}  REFUSED: {record.error}")
            continue
        where = [c.slug for c in companies if record.name in enabled_names(c.id)]
        click.echo(f"{record.name} {record.version}  enabled in: {', '.join(where) or '(none)'}")
        if record.description:
            click.echo(f"    {record.description}")
    if current_app.config.get("CRM_SAFE_MODE"):
        click.echo("(CRM_SAFE_MODE is on: no plugin is loaded)")


@plugins_group.command("new")
@click.argument("name")
@click.option("--path", "path", type=click.Path(path_type=Path), help="Target folder (default: plugins/NAME).")
def new_plugin(name: str, path: Path | None) -> None:
    """Create a working plugin NAME with a page, a menu entry and a test."""
    from crm_platform.config import PROJECT_ROOT
    from crm_platform.plugins.scaffold import scaffold

    target = path or PROJECT_ROOT / "plugins" / name
    try:
        written = scaffold(name, target)
    except (ValueError, FileExistsError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {len(written)} files in {target}")
    click.echo(f"Next: pip install -e {target} && crm run, then enable it under Settings → Plugins.")

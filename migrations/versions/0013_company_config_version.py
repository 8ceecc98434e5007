"""company.config_version: a counter bumped whenever a company's settings-like rows change

Every request already reads the current company with the signed-in membership. The
counter lets each process keep the answers it reads on every page (enabled plugins,
branding, members, tags) until one of their rows changes, instead of querying them
again on every request (see crm_platform/company_cache.py).

Revision ID: 0013_company_config_version
Revises: 0012_people_live_sort_indexes
Create Date: 2026-12-02 14:40:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0013_company_config_version'
down_revision = '0012_people_live_sort_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("company") as batch:
        batch.add_column(sa.Column("config_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("company") as batch:
        batch.drop_column("config_version")

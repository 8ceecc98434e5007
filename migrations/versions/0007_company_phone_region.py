"""company phone region (numbers typed without +country code) and who last changed a person or organization

Revision ID: 0007_company_phone_region
Revises: 0003_people_fields
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_company_phone_region"
down_revision = "0005_api_tokens"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_region", sa.String(length=2), server_default="", nullable=False))
    for table in ("person", "organization"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("updated_by_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_updated_by_id_user"), "user", ["updated_by_id"], ["id"],
                                        ondelete="SET NULL")


def downgrade():
    for table in ("organization", "person"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_updated_by_id_user"), type_="foreignkey")
            batch_op.drop_column("updated_by_id")
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.drop_column("phone_region")

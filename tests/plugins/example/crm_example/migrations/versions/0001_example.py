"""example plugin: example_ping table

Revision ID: 0001_example
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_example"
down_revision = None
branch_labels = ("example",)
depends_on = "0001_core"


def upgrade():
    op.create_table(
        "example_ping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_example_ping_company_id_company"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_example_ping")),
    )
    with op.batch_alter_table("example_ping", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_example_ping_company_id"), ["company_id"], unique=False)


def downgrade():
    with op.batch_alter_table("example_ping", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_example_ping_company_id"))
    op.drop_table("example_ping")

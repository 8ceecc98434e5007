"""activity scheduling: tasks' due time, assignee and done state; meetings' start and duration

Revision ID: 0002_activity_schedule
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_activity_schedule"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("duration_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("done_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_activity_assignee_id_user"), "user", ["assignee_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index("ix_activity_company_scheduled", ["company_id", "scheduled_at"], unique=False)
        batch_op.create_index("ix_activity_assignee_open", ["assignee_id", "done_at", "scheduled_at"], unique=False)


def downgrade():
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_assignee_open")
        batch_op.drop_index("ix_activity_company_scheduled")
        batch_op.drop_constraint(batch_op.f("fk_activity_assignee_id_user"), type_="foreignkey")
        batch_op.drop_column("done_at")
        batch_op.drop_column("assignee_id")
        batch_op.drop_column("duration_minutes")
        batch_op.drop_column("scheduled_at")

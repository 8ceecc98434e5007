"""timeline: notifications, note attachments, logged-email subject/direction, feed indexes

Revision ID: 0004_timeline
Revises: 0002_activity_schedule
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_timeline"
down_revision = "0010_duplicate_dismissals"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_notification_actor_id_user"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_notification_company_id_company"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_notification_user_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_company_id"), ["company_id"], unique=False)
        batch_op.create_index("ix_notification_user_unread", ["user_id", "read_at", "created_at"], unique=False)

    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("storage_name", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"], name=op.f("fk_attachment_activity_id_activity"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_attachment_company_id_company"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user.id"], name=op.f("fk_attachment_uploaded_by_id_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("storage_name", name=op.f("uq_attachment_storage_name")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_activity_id"), ["activity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachment_company_id"), ["company_id"], unique=False)

    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=255), server_default="", nullable=False))
        batch_op.add_column(sa.Column("direction", sa.String(length=3), nullable=True))
        batch_op.create_index("ix_activity_company_kind", ["company_id", "kind", "created_at", "id"], unique=False)
        batch_op.create_index("ix_activity_company_author", ["company_id", "author_id", "created_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_company_author")
        batch_op.drop_index("ix_activity_company_kind")
        batch_op.drop_column("direction")
        batch_op.drop_column("subject")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_company_id"))
        batch_op.drop_index(batch_op.f("ix_attachment_activity_id"))
    op.drop_table("attachment")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_user_unread")
        batch_op.drop_index(batch_op.f("ix_notification_company_id"))
    op.drop_table("notification")

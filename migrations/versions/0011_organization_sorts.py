"""organizations list: indexes for the created and updated sorts

Revision ID: 0011_organization_sorts
Revises: 0009_imports
Create Date: 2026-12-03 09:00:00.000000

The name sort already has ix_organization_company_name (company_id, name, id).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_organization_sorts'
down_revision = '0009_imports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.create_index('ix_organization_company_created', ['company_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_organization_company_updated', ['company_id', 'updated_at', 'id'], unique=False)
    # Statistics for the new indexes: without them SQLite guesses that they are more
    # selective than the name index and sorts the whole company's organizations by name.
    op.execute("ANALYZE organization")


def downgrade():
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_index('ix_organization_company_updated')
        batch_op.drop_index('ix_organization_company_created')

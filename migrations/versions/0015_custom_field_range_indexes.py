"""custom field values: indexes for the range filters on number and date fields

``/people?cf_seats_min=…`` lists the values of one field within a range. With only the
``(field_id, value, …)`` index, the database read every value of the field and, to
count the matches, probed every person (30 ms at 100,000 people for a bound nobody
reaches); ``(field_id, company_id, number_value, entity_id)`` reads just the range.
The table is analysed afterwards so that the planner knows the new indexes' selectivity.

Revision ID: 0015_custom_field_range_indexes
Revises: 0014_fts_one_letter_prefixes
Create Date: 2026-12-03 14:10:00

"""
from alembic import op


revision = '0015_custom_field_range_indexes'
down_revision = '0014_fts_one_letter_prefixes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_custom_field_value_number", "custom_field_value",
                    ["field_id", "company_id", "number_value", "entity_id"])
    op.create_index("ix_custom_field_value_date", "custom_field_value",
                    ["field_id", "company_id", "date_value", "entity_id"])
    # Without statistics SQLite takes a new index for selective: it would read a list
    # page's custom-field values through (field_id, company_id) instead of by person.
    op.execute("ANALYZE custom_field_value")


def downgrade():
    op.drop_index("ix_custom_field_value_date", table_name="custom_field_value")
    op.drop_index("ix_custom_field_value_number", table_name="custom_field_value")

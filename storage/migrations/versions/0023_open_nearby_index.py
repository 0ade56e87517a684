"""open nearby index

The link check on every sure report (linking.nearest_open: open tickets of the category inside
a 200 m box) read every ticket of the category filed in the last 48 hours, org-wide, through
ix_tickets_category_created, and each one's row: with 100,000 open it cost more than the rest
of the report. This index holds only what the box asks (category, state, lat, lon), so a
report reads the open tickets of its kind in a 400 m band of latitude, their longitude checked
in the index, and fetches the rows of the few inside the box.

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-02
"""

from alembic import op

revision = "0023"
down_revision = "0021"
branch_labels = None
depends_on = None

NAME = "ix_tickets_open_nearby"


def upgrade() -> None:
    op.create_index(NAME, "tickets", ["category", "state", "lat", "lon"])


def downgrade() -> None:
    op.drop_index(NAME, "tickets")

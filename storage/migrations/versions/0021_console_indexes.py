"""console indexes

The console's ticket list, newest first, with one filter: state, urgent, must-attend or
where a ticket is placed (coalesce(grid_id, unit_id), as scope and the unit filter ask) read
as a range of an index already in the list's order (category and dates have theirs), so a
page and a capped count stop early instead of reading a million tickets.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

INDEXES = {
    # with the columns scope asks about: a count of one state reads the index alone
    # and what "overdue" asks: its count reads the index alone too
    "ix_tickets_state_created": [
        *("state", "created_at", "grid_id", "unit_id", "assignee_id"),
        *("overdue_since", "deadline_at", "deadline_kind"),
    ],
    "ix_tickets_urgent_created": ["urgent", "created_at"],
    "ix_tickets_must_attend_created": ["must_attend", "created_at"],
}


PLACED = "ix_tickets_placed_created"  # where a ticket is placed: its grid, else its unit


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "tickets", columns)
    op.create_index(PLACED, "tickets", [sa.text("coalesce(grid_id, unit_id)"), "created_at"])


def downgrade() -> None:
    op.drop_index(PLACED, "tickets")
    for name in INDEXES:
        op.drop_index(name, "tickets")

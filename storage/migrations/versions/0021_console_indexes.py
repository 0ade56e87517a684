"""console indexes

The console's ticket list, newest first, with one filter: state, urgent or must-attend read
as a range of an index already in the list's order (category, grid and dates have theirs), so
a page and a capped count stop early instead of reading a million tickets.

Revision ID: 0021
Revises: 0018_console_sessions
Create Date: 2026-12-02
"""

from alembic import op

revision = "0021"
down_revision = "0018_console_sessions"  # the lead re-chains it after 0019 and 0020
branch_labels = None
depends_on = None

INDEXES = {
    # with the columns scope asks about: a count of one state reads the index alone
    "ix_tickets_state_created": ["state", "created_at", "grid_id", "unit_id", "assignee_id"],
    "ix_tickets_urgent_created": ["urgent", "created_at"],
    "ix_tickets_must_attend_created": ["must_attend", "created_at"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "tickets", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, "tickets")

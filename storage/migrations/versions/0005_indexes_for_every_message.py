"""indexes for the questions every message asks

Every message a resident sends asks which linked tickets wait for their rating (a scan of every
linked report without an index by resident); every sure report asks for open tickets of the same
kind nearby in the last 48 hours (every open ticket without an index by category and time).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ticket_reporters_resident_id", "ticket_reporters", ["resident_id"])
    op.create_index("ix_tickets_category_created", "tickets", ["category", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_category_created", table_name="tickets")
    op.drop_index("ix_ticket_reporters_resident_id", table_name="ticket_reporters")

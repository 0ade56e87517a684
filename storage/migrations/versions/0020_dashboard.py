"""dashboard

The console's dashboard sums the tickets of the last months and weeks (the 三率, the
categories by week) and counts the last 14 days' reports by place (苗头): one index on the
creation time that also holds every column those statements read, so that they scan the
index alone instead of fetching each wide ticket row (sealed text and place included). On
PostgreSQL `late_kinds` (JSON, which has no btree ordering) rides along as an INCLUDE column;
on SQLite the rates read it only for the few tickets a partial index lists.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

COLUMNS = [
    "created_at",
    "grid_id",
    "unit_id",
    "assignee_id",
    "category",
    "state",
    "urgent",
    "accepted_at",
    "resolved_at",
    "rating",
    "lat",
    "lon",
    "code",
]


# The tickets that may have been late: no fact kept (from before 0016) or a step in it. The
# rates read `late_kinds` of these alone; most tickets are never late (`[]`).
MAYBE_LATE = "late_kinds IS NULL OR CAST(late_kinds AS VARCHAR) != '[]'"


def upgrade() -> None:
    op.create_index("ix_tickets_dashboard", "tickets", COLUMNS, postgresql_include=["late_kinds"])
    op.create_index(
        "ix_tickets_maybe_late",
        "tickets",
        ["created_at"],
        sqlite_where=sa.text(MAYBE_LATE),
        postgresql_where=sa.text(MAYBE_LATE),
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_maybe_late", table_name="tickets")
    op.drop_index("ix_tickets_dashboard", table_name="tickets")

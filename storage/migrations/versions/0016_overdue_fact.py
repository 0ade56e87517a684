"""overdue fact

A ticket that misses a deadline keeps the fact on its row: since when, at which step and at
which level, kept through escalation until the step is done; and the steps it was ever late
for, which the assessment reads (NULL on tickets from before: the assessment times those).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as table:
        table.add_column(sa.Column("overdue_since", sa.DateTime(), nullable=True))
        table.add_column(sa.Column("overdue_kind", sa.String(16), nullable=True))
        table.add_column(sa.Column("overdue_level", sa.Integer(), nullable=True))
        table.add_column(sa.Column("late_kinds", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as table:
        table.drop_column("late_kinds")
        table.drop_column("overdue_level")
        table.drop_column("overdue_kind")
        table.drop_column("overdue_since")

"""open311 limit

The per-minute POST budget of each Open311 key, counted in its row so that every replica
draws on one budget (a counter in each process let N replicas take N times the limit).

Revision ID: 0022
Revises: 0018_console_sessions
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0018_console_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("open311_keys") as table:
        table.add_column(sa.Column("posts_minute", sa.Integer(), nullable=True))
        table.add_column(sa.Column("posts_used", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("open311_keys") as table:
        table.drop_column("posts_used")
        table.drop_column("posts_minute")

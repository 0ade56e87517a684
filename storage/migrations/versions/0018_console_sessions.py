"""console sessions

The web console's one-time login links (only their SHA-256 kept) and the sessions they open:
single use across replicas, since the link is spent by one conditional UPDATE.

Revision ID: 0018_console_sessions
Revises: 0017
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_console_sessions"
down_revision = "0017"  # 0017_open311.py
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("id", ID, primary_key=True),
        sa.Column("staff_id", ID, sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("link_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("session_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("csrf", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_console_sessions_staff_id", "console_sessions", ["staff_id"])


def downgrade() -> None:
    op.drop_index("ix_console_sessions_staff_id", "console_sessions")
    op.drop_table("console_sessions")

"""shared access tokens

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_tokens",
        sa.Column("app", sa.String(length=16), nullable=False),
        sa.Column("token", sa.Text(), nullable=True),
        sa.Column("expires_at", storage.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("app"),
    )


def downgrade() -> None:
    op.drop_table("access_tokens")

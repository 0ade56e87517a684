"""access token refresh lease

The process refreshing a token marks the row for a while instead of holding a row lock across
the call to WeChat: on SQLite that lock was the whole database.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("access_tokens") as table:
        table.add_column(
            sa.Column("refreshing_until", storage.models.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("access_tokens") as table:
        table.drop_column("refreshing_until")

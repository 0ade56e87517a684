"""service offer

The service guide's last answer to a resident ends with "需要网格员帮您代办吗？回复 1": which
service was offered, and when, so that their "1" opens a 代办 ticket for it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("residents") as table:
        table.add_column(sa.Column("offered_service", sa.String(80), nullable=True))
        table.add_column(sa.Column("offered_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("residents") as table:
        table.drop_column("offered_at")
        table.drop_column("offered_service")

"""media waiting

A resident's voice (WeChat could not understand it), video or link is kept on their latest open
ticket; with none open, it waits on the resident (sealed) for their next report. A link keeps
its title on the attachment (sealed).

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("residents") as table:
        table.add_column(sa.Column("media_waiting", sa.Text(), nullable=True))
        table.add_column(sa.Column("media_waiting_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("attachments") as table:
        table.add_column(sa.Column("title", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as table:
        table.drop_column("title")
    with op.batch_alter_table("residents") as table:
        table.drop_column("media_waiting_at")
        table.drop_column("media_waiting")

"""staff duty

Who took a staff member off duty: an import that no longer listed them, or an operator with
`gridbot staff off-duty` (then only `gridbot staff on-duty` brings them back).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as table:
        table.add_column(sa.Column("off_duty_by", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff") as table:
        table.drop_column("off_duty_by")

"""prompts

One rule for answers by number: the resident's row keeps the latest question their next `1`
or `2` may answer (its kind, the ticket it is about, an argument, when it was asked). It takes
the place of the guide's own offer columns (the offer is one kind of question).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("residents") as table:
        table.add_column(sa.Column("prompt", sa.String(16), nullable=True))
        table.add_column(
            sa.Column(
                "prompt_ticket_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        table.add_column(sa.Column("prompt_arg", sa.Text(), nullable=True))
        table.add_column(sa.Column("prompt_at", sa.DateTime(), nullable=True))
        table.drop_column("offered_at")
        table.drop_column("offered_service")


def downgrade() -> None:
    with op.batch_alter_table("residents") as table:
        table.add_column(sa.Column("offered_service", sa.String(80), nullable=True))
        table.add_column(sa.Column("offered_at", sa.DateTime(), nullable=True))
        table.drop_column("prompt_at")
        table.drop_column("prompt_arg")
        table.drop_column("prompt_ticket_id")
        table.drop_column("prompt")

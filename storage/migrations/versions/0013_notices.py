"""notices

Notices supervisors send to the residents of a unit (政策宣传): unit, sender, text, when it
was sent and began to go out, and how many residents it reached each way.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column(
            "unit_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("org_units.id"),
            nullable=False,
        ),
        sa.Column("sender", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("by_message", sa.Integer(), nullable=False),
        sa.Column("by_template", sa.Integer(), nullable=False),
        sa.Column("unreached", sa.Integer(), nullable=False),
    )
    op.create_index("ix_notices_unit_created", "notices", ["unit_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_notices_unit_created", table_name="notices")
    op.drop_table("notices")

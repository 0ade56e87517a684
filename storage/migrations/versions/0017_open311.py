"""open311

Keys other systems file Open311 GeoReport v2 requests with (only their SHA-256 kept), and
the contact details such a request brings, sealed; tickets by time, for Open311's
newest-first listing of a 90-day window.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open311_keys",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("unit_path", sa.String(400), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "open311_contacts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column(
            "ticket_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("tickets.id"),
            nullable=False,
        ),
        sa.Column("key_name", sa.String(80), nullable=False),
        sa.Column("contact", sa.Text(), nullable=True),
    )
    op.create_index("ix_open311_contacts_ticket_id", "open311_contacts", ["ticket_id"])
    op.create_index("ix_tickets_created", "tickets", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_created", "tickets")
    op.drop_index("ix_open311_contacts_ticket_id", "open311_contacts")
    op.drop_table("open311_contacts")
    op.drop_table("open311_keys")

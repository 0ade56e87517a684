"""inbox journal, sealed personal text, per-sender limits

The inbound table becomes a journal: a message is committed `pending` before WeChat hears 200
and handled from there under a lease, its reply waiting on the row; the signed query's
timestamp and nonce are unique, so a replayed query is refused by every replica. Outbox bodies
become sealed text (AES-GCM, like the registry); which text columns are sealed is the models'
business, and `storage.db.seal_plaintext` seals rows written before this revision. Residents
carry a token bucket; tickets say whether retention has anonymised them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ANONYMISED = "（已按规定匿名化）"


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages") as table:
        table.add_column(sa.Column("nonce", sa.String(80)))
        table.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("lease_until", sa.DateTime()))
        table.add_column(sa.Column("reply_state", sa.String(16)))
        table.add_column(sa.Column("processed_at", sa.DateTime()))
        table.create_unique_constraint("uq_inbound_messages_nonce", ["channel", "nonce"])
        table.create_index("ix_inbound_messages_pending", ["status", "lease_until"])
        table.create_index("ix_inbound_messages_reply", ["reply_state", "processed_at"])
    with op.batch_alter_table("residents") as table:
        for name in ("bucket_at", "limited_told_at", "alerted_at"):
            table.add_column(sa.Column(name, sa.DateTime()))
        table.add_column(sa.Column("bucket_tokens", sa.Float()))
    with op.batch_alter_table("tickets") as table:
        table.add_column(
            sa.Column("anonymised", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    tickets = sa.table("tickets", sa.column("text", sa.Text), sa.column("anonymised", sa.Boolean))
    op.execute(tickets.update().where(tickets.c.text == ANONYMISED).values(anonymised=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE outbox ALTER COLUMN body TYPE TEXT USING body::text")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE outbox ALTER COLUMN body TYPE JSON USING body::json")
    with op.batch_alter_table("tickets") as table:
        table.drop_column("anonymised")
    with op.batch_alter_table("residents") as table:
        for name in ("bucket_tokens", "bucket_at", "limited_told_at", "alerted_at"):
            table.drop_column(name)
    with op.batch_alter_table("inbound_messages") as table:
        table.drop_index("ix_inbound_messages_reply")
        table.drop_index("ix_inbound_messages_pending")
        table.drop_constraint("uq_inbound_messages_nonce", type_="unique")
        for name in ("processed_at", "reply_state", "lease_until", "attempts", "nonce"):
            table.drop_column(name)

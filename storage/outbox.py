"""The one writer of the outbox: every message gridbot sends (a notice, a reply, a reminder)
is a row written here, in the transaction of what caused it, keyed so it is written once."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_ignoring
from storage.models import OutboxMessage

BATCH = 5000
HELD_FOR = (
    select(OutboxMessage)  # built once: every resident message asks it
    .where(
        OutboxMessage.channel == "mp",
        OutboxMessage.recipient == bindparam("openid"),
        OutboxMessage.state == "held",
    )
    .order_by(OutboxMessage.id)
)


_INSERTS: dict[str, object] = {}  # by dialect: the outbox's INSERT, built once


def _insert_ignoring(session: AsyncSession):
    """INSERT … ON CONFLICT (dedup_key) DO NOTHING on the table (Core: written every
    message, it needs none of the ORM's bulk insert)."""
    dialect = session.bind.dialect.name
    if dialect not in _INSERTS:
        _INSERTS[dialect] = insert_ignoring(session, OutboxMessage.__table__, "dedup_key")
    return _INSERTS[dialect]


@dataclass(frozen=True)
class Message:
    """One text to one recipient on one channel ("mp": the Official Account, "work": WeCom).
    `dedup_key` names what caused it (`event:ID:recipient`, `reply:…`, a job and its period):
    a second write with the same key is ignored."""

    channel: str
    recipient: str
    text: str
    dedup_key: str
    unit_id: int | None = None
    ticket_code: str | None = None  # lets a template message stand in when the window closed
    urgent: bool = False  # goes out even in quiet hours
    not_before: datetime | None = None
    image_png: bytes | None = None  # a picture (a digest's chart) instead of the text
    # A template message ({"id": template id, "data": {field: value}}): sent instead of the
    # text when `by_template`, else only should WeChat refuse the text (the window closed).
    template: dict | None = None
    by_template: bool = False

    def row(self, now: datetime) -> dict:
        body = {"msgtype": "text", "text": self.text}
        if self.image_png is not None:
            body = {"msgtype": "image", "png": base64.b64encode(self.image_png).decode()}
        if self.urgent:
            body["urgent"] = True
        if self.ticket_code:
            body["ticket"] = self.ticket_code
        if self.template is not None:
            body["template"] = self.template
            if self.by_template:
                body["msgtype"] = "template"
        return {
            "channel": self.channel,
            "recipient": self.recipient,
            "body": body,
            "dedup_key": self.dedup_key,
            "unit_id": self.unit_id,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": self.not_before or now,
            "created_at": now,
        }


class Outbox:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, message_id: int) -> OutboxMessage | None:
        return await self.session.get(OutboxMessage, message_id)

    async def put(self, messages: list[Message], now: datetime) -> None:
        """Write the messages in one statement per batch, skipping any whose key is there."""
        rows = [message.row(now) for message in messages]
        if not rows:
            return
        statement = _insert_ignoring(self.session)
        if len(rows) == 1:  # the usual case: one notice or one reply
            await self.session.execute(statement, rows[0])
            return
        for start in range(0, len(rows), BATCH):
            await self.session.execute(statement, rows[start : start + BATCH])

    async def take_held(self, openid: str, at_most: int) -> list[str]:
        """The resident's updates WeChat refused to deliver (the 48-hour window had closed),
        now marked shown: the latest `at_most` of them, oldest first."""
        rows = list(await self.session.scalars(HELD_FOR, {"openid": openid}))
        for row in rows:
            row.state = "shown"
        return [row.body["text"] for row in rows[-at_most:]]

    async def rewrite_about(self, event_ids: list[int], text: str) -> None:
        """Rows about these ticket events (keyed event:<id>:<recipient>) say `text` instead."""
        for event_id in event_ids:
            await self.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.dedup_key.startswith(f"event:{event_id}:"))
                .values(body={"msgtype": "text", "text": text})
                .execution_options(synchronize_session=False)
            )

    async def drop_for(self, channel: str, recipient: str) -> None:
        """Nothing more is sent to `recipient` on `channel` (a resident forgotten)."""
        await self.session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.recipient == recipient, OutboxMessage.channel == channel
            )
        )

    async def withdraw(self, channel: str, recipient: str) -> None:
        """Messages not yet sent to `recipient` are not sent (someone gone off duty): kept as
        `withdrawn`, their text cleared."""
        await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.recipient == recipient,
                OutboxMessage.state.in_(("pending", "held")),
            )
            .values(state="withdrawn", body={"msgtype": "text", "text": ""})
            .execution_options(synchronize_session=False)
        )

"""`gridbot outbox list|retry`: what is waiting, held or dead, and sending it again."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.tickets import NotFound
from handlers.tickets.views import local
from storage.models import OutboxMessage

NOT_SENT = ("pending", "held", "dead")


async def listing(session: AsyncSession, dead_only: bool, as_json: bool) -> str:
    states = ("dead",) if dead_only else NOT_SENT
    rows = list(
        await session.scalars(
            select(OutboxMessage).where(OutboxMessage.state.in_(states)).order_by(OutboxMessage.id)
        )
    )
    if as_json:
        return json.dumps(
            [
                {
                    "id": r.id,
                    "channel": r.channel,
                    "recipient": r.recipient,
                    "state": r.state,
                    "attempts": r.attempts,
                    "next_attempt": r.next_attempt_at.isoformat(),
                    "last_error": r.last_error,
                }
                for r in rows
            ],
            ensure_ascii=False,
            indent=2,
        )
    if not rows:
        return "(nothing waiting)" if not dead_only else "(no dead messages)"
    return "\n".join(
        f"{r.id:>6}  {r.state:<7}  {r.channel:<4}  {r.recipient:<24}  "
        f"attempts {r.attempts}  next {local(r.next_attempt_at)}  "
        f"{(r.last_error or '')[:60]}"
        for r in rows
    )


async def retry(session: AsyncSession, message_id: int | None, all_dead: bool) -> str:
    """Put dead (or held) messages back in line, with their attempts counted afresh."""
    query = update(OutboxMessage).values(
        state="pending", attempts=0, next_attempt_at=datetime.now(UTC), last_error=None
    )
    if all_dead:
        done = await session.execute(query.where(OutboxMessage.state == "dead"))
    else:
        done = await session.execute(
            query.where(OutboxMessage.id == message_id, OutboxMessage.state.in_(("dead", "held")))
        )
        if done.rowcount == 0:
            raise NotFound(f"no dead or held message {message_id}")
    await session.commit()
    return f"{done.rowcount} message(s) queued again"

"""A token bucket per resident ([limits] per_minute, burst): a flood opens no tickets and
sends nobody a stream of messages; an emergency always gets through."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers import texts
from handlers.inbound import Inbound
from handlers.policy import Limits
from handlers.ports import Handler, Ports
from nlu.classifier import classify
from storage.models import Resident
from storage.uow import UnitOfWork

TELL_AGAIN_AFTER = timedelta(minutes=1)  # one polite answer a minute while they are over


def take_token(resident: Resident, now: datetime, limits: Limits) -> bool:
    """Spend one of the resident's tokens; False when none is left."""
    tokens = float(limits.burst) if resident.bucket_tokens is None else resident.bucket_tokens
    if resident.bucket_at is not None:
        refill = (now - resident.bucket_at).total_seconds() * limits.per_minute / 60
        tokens = min(float(limits.burst), tokens + max(refill, 0.0))
    resident.bucket_at = now
    allowed = tokens >= 1
    resident.bucket_tokens = tokens - 1 if allowed else tokens
    return allowed


def rate_limited(handler: Handler) -> Handler:
    """Over the limit, a message gets one polite answer a minute and opens no ticket, unless
    it is an emergency."""

    async def answer(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str | None:
        now = ports.clock.now()
        resident = await uow.people.get_or_add_resident(msg.sender, now)
        if take_token(resident, now, ports.policy.limits) or await _urgent(msg, ports):
            return await handler(uow, msg, ports)
        ports.count("rate_limited")
        if resident.limited_told_at and now - resident.limited_told_at < TELL_AGAIN_AFTER:
            return None
        resident.limited_told_at = now
        return texts.RATE_LIMITED

    return answer


async def _urgent(msg: Inbound, ports: Ports) -> bool:
    return msg.kind == "text" and (await classify(ports.classifier, msg.text)).urgent

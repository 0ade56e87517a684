"""Handles each journalled message once, in one transaction that also keeps its reply: on the
journal row as the passive answer of the webhook still waiting, or in the outbox."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import async_sessionmaker

from handlers import texts
from handlers.chat import media, qrscene, residents, staff
from handlers.chat.limits import rate_limited
from handlers.chat.residents import with_earlier_updates
from handlers.inbound import Inbound
from handlers.ports import Handler, Ports
from nlu.classifier import classify
from storage import inbox
from storage.outbox import Message
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

HANDLERS: dict[tuple[str, str], Handler] = {
    ("mp", "text"): rate_limited(
        with_earlier_updates(media.with_waiting_media(residents.on_text))
    ),
    ("mp", "image"): rate_limited(with_earlier_updates(residents.on_image)),
    ("mp", "location"): rate_limited(with_earlier_updates(residents.on_location)),
    ("mp", "location_event"): residents.on_location_event,
    ("mp", "subscribe"): qrscene.on_subscribe,  # with a grid's QR code or without
    ("mp", "scan"): rate_limited(with_earlier_updates(qrscene.on_scan)),
    ("mp", "unsubscribe"): residents.on_unsubscribe,
    ("mp", "voice"): rate_limited(with_earlier_updates(media.on_voice)),
    ("mp", "video"): rate_limited(with_earlier_updates(media.on_media)),
    ("mp", "shortvideo"): rate_limited(with_earlier_updates(media.on_media)),
    ("mp", "link"): rate_limited(with_earlier_updates(media.on_media)),
    ("mp", "click"): rate_limited(with_earlier_updates(media.on_click)),
    ("mp", "location_select"): rate_limited(with_earlier_updates(residents.on_location)),
    ("mp", "unknown"): rate_limited(residents.on_unsupported),
    ("work", "text"): staff.on_staff_text,
    ("work", "voice"): staff.on_staff_text,  # not recognised: answered as an empty text
    ("work", "image"): staff.on_staff_image,
    ("work", "location"): staff.on_staff_location,
}


class Unavailable(Exception):
    """The database cannot be reached: the message stays pending, answer so WeChat retries."""


class AlreadyHandled(Exception):
    """Another transaction handled the message first (a retry raced a recovery)."""


@dataclass
class Waiting:
    """The webhooks waiting to answer WeChat with a message's reply (WeChat's retry may join
    the first). While one waits, the reply is committed as theirs to give (`claimed`: they now
    wait for that commit); once none waits, it goes to the outbox instead."""

    webhooks: int = 0
    heard_until: float = 0.0  # loop time by which WeChat still hears the latest one's answer
    claimed: bool = False

    @property
    def gave_up(self) -> bool:
        return self.webhooks <= 0

    def join(self, heard_until: float) -> None:
        self.webhooks += 1
        self.heard_until = max(self.heard_until, heard_until)


class Dispatcher:
    def __init__(
        self,
        sessionmaker: async_sessionmaker,
        ports: Ports,
        on_commit: Callable[[], None] = lambda: None,
    ):
        self._sessionmaker = sessionmaker
        self._ports = ports
        self._on_commit = on_commit

    async def handle(self, row_id: int, msg: Inbound, waiting: Waiting | None) -> str | None:
        """Handle the journalled message; the reply the waiting webhooks answer with (kept on
        the row a little while for WeChat's retries), or None when it is not theirs to give."""
        try:
            return await self._handle_once(row_id, msg, waiting)
        except AlreadyHandled:
            log.info("%s message %s was handled elsewhere", msg.channel, row_id)
            return None
        except (DBAPIError, PoolTimeout, OSError) as error:
            if _is_outage(error):
                raise Unavailable(type(error).__name__) from error
            log.exception("handler failed for %s message %s", msg.channel, row_id)
        except Exception:
            log.exception("handler failed for %s message %s", msg.channel, row_id)
        return await self._keep_failed(row_id, msg, waiting)

    async def _handle_once(self, row_id: int, msg: Inbound, waiting: Waiting | None):
        handler = HANDLERS.get((msg.channel, msg.kind))
        if msg.channel == "mp" and msg.kind == "text":  # understood before a connection is
            await classify(self._ports.classifier, msg.text)  # held: the backend may be slow
        async with UnitOfWork.opened(self._sessionmaker) as uow:
            reply = await handler(uow, msg, self._ports) if handler else None
            state = await self._finish(uow, row_id, msg, "done", reply, waiting)
            await uow.commit()
        self._on_commit()
        return await self._after_commit(row_id, msg, reply, state, waiting)

    async def _finish(
        self,
        uow: UnitOfWork,
        row_id: int,
        msg: Inbound,
        status: str,
        reply: str | None,
        waiting: Waiting | None,
    ) -> str | None:
        """Mark the row handled and keep the reply, in this same transaction: as the waiting
        webhooks' passive answer while one waits, else in the outbox."""
        now = self._ports.clock.now()
        state = None if not reply else "passive" if waiting and not waiting.gave_up else "queued"
        if state == "queued":
            await _queue(uow, msg, reply, now)
        else:
            waiting.claimed = state == "passive"
        kept = reply if state == "passive" else None
        if not await inbox.finish(uow.session, row_id, status, now, kept, state):
            raise AlreadyHandled()
        return state

    async def _after_commit(
        self,
        row_id: int,
        msg: Inbound,
        reply: str | None,
        state: str | None,
        waiting: Waiting | None,
    ) -> str | None:
        if state != "passive":
            return None
        if asyncio.get_running_loop().time() > waiting.heard_until:  # stored too late for
            await self._queue_late(row_id, msg, reply)  # WeChat to hear any webhook's answer
            return None
        return reply

    async def _queue_late(self, row_id: int, msg: Inbound, reply: str) -> None:
        """A reply stored after WeChat stopped listening goes to the outbox, unless WeChat's
        retry was answered with it first."""
        async with UnitOfWork.opened(self._sessionmaker) as uow:
            if await inbox.queue_passive_reply(uow.session, row_id):
                await _queue(uow, msg, reply, self._ports.clock.now())
            await uow.commit()
        self._on_commit()

    async def _keep_failed(self, row_id: int, msg: Inbound, waiting: Waiting | None):
        """A handler that failed: the message stays (failed) and the sender hears sorry."""
        try:
            async with UnitOfWork.opened(self._sessionmaker) as uow:
                state = await self._finish(uow, row_id, msg, "failed", texts.SORRY_FAILED, waiting)
                await uow.commit()
        except AlreadyHandled:
            return None
        except (DBAPIError, PoolTimeout, OSError) as error:
            raise Unavailable(type(error).__name__) from error
        self._on_commit()
        return await self._after_commit(row_id, msg, texts.SORRY_FAILED, state, waiting)


async def _queue(uow: UnitOfWork, msg: Inbound, reply: str, now: datetime) -> None:
    """The reply goes out through the outbox, keyed by the message it answers (urgent: the
    sender is waiting for it, quiet hours or not)."""
    message = Message(
        channel=msg.channel,
        recipient=msg.sender,
        text=reply,
        dedup_key=reply_key(msg.channel, msg.key),
        urgent=True,
    )
    await uow.outbox.put([message], now)


def reply_key(channel: str, key: str) -> str:
    """The outbox key of the reply to the message of this key."""
    return f"reply:{channel}:{key}"[:200]


def _is_outage(error: Exception) -> bool:
    """A database we cannot reach, as opposed to a statement it refused."""
    return not isinstance(error, IntegrityError | DataError | ProgrammingError)

"""Records each inbound message once and hands it to one handler, in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import residents, staff, texts
from handlers.feedback import with_earlier_updates
from handlers.inbound import Inbound
from handlers.ports import Ports
from storage.models import InboundMessage

log = logging.getLogger(__name__)
Handler = Callable[[AsyncSession, Inbound, Ports], Awaitable[str | None]]

HANDLERS: dict[tuple[str, str], Handler] = {
    ("mp", "text"): with_earlier_updates(residents.on_text),
    ("mp", "image"): with_earlier_updates(residents.on_image),
    ("mp", "location"): with_earlier_updates(residents.on_location),
    ("mp", "location_event"): residents.on_location_event,
    ("mp", "subscribe"): residents.on_subscribe,
    ("mp", "unsubscribe"): residents.on_unsubscribe,
    ("mp", "unknown"): residents.on_unsupported,
    ("work", "text"): staff.on_staff_text,
    ("work", "image"): staff.on_staff_image,
    ("work", "location"): staff.on_staff_location,
}


class Duplicate(Exception):
    pass


class Unavailable(Exception):
    """The database cannot be reached: answer so that WeChat retries."""


class Dispatcher:
    def __init__(self, sessionmaker: async_sessionmaker, ports: Ports,
                 on_commit: Callable[[], None] = lambda: None):
        self._sessionmaker = sessionmaker
        self._ports = ports
        self._on_commit = on_commit

    async def handle(self, msg: Inbound) -> str | None:
        """The passive reply, or None; a duplicate changes nothing and gets None."""
        try:
            return await self._handle_once(msg)
        except Duplicate:
            log.info("duplicate %s message %s ignored", msg.channel, msg.key)
            return None
        except (DBAPIError, PoolTimeout, OSError) as error:
            if not _is_outage(error):
                log.exception("handler failed for %s message %s", msg.channel, msg.key)
                return await self._keep_failed(msg)
            raise Unavailable(type(error).__name__) from error
        except Exception:
            log.exception("handler failed for %s message %s", msg.channel, msg.key)
            return await self._keep_failed(msg)

    async def _handle_once(self, msg: Inbound) -> str | None:
        handler = HANDLERS.get((msg.channel, msg.kind))
        async with self._sessionmaker() as session:
            _record(session, msg, self._ports)
            try:
                await session.flush()
            except IntegrityError:
                raise Duplicate() from None
            # The reply is not kept: a registry answer would put personal data at rest in clear.
            reply = await handler(session, msg, self._ports) if handler else None
            await session.commit()
        self._on_commit()
        return reply

    async def _keep_failed(self, msg: Inbound) -> str:
        async with self._sessionmaker() as session:
            row = _record(session, msg, self._ports)
            row.status, row.reply = "failed", texts.SORRY_FAILED
            try:
                await session.commit()
            except IntegrityError:
                return texts.SORRY_FAILED
        return texts.SORRY_FAILED


def _is_outage(error: Exception) -> bool:
    """A database we cannot reach, as opposed to a statement it refused."""
    return not isinstance(error, IntegrityError | DataError | ProgrammingError)


def _record(session: AsyncSession, msg: Inbound, ports: Ports) -> InboundMessage:
    row = InboundMessage(channel=msg.channel, msg_key=msg.key[:200], sender=msg.sender,
                         kind=msg.kind, content=msg.content, status="done",
                         received_at=ports.clock.now())
    session.add(row)
    return row


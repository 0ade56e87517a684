"""The two webhooks: verify, decrypt and parse; journal the message in its own commit; answer
within 5 seconds, with the reply when it is ready in time. A 200 means the message is stored:
when even the journal cannot commit in time, WeChat is told 503 and retries."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot import wire
from bot.dispatcher import Dispatcher, Unavailable, Waiting
from handlers.inbound import Inbound
from handlers.ports import Clock
from storage.inbox import Entry, Inbox, Replayed

log = logging.getLogger(__name__)
REPLY_DEADLINE_SECONDS = 4.5  # we answer within this; WeChat waits 5 s before it retries
WECHAT_LISTENS_SECONDS = 5.0
FRESH_SECONDS = 300  # a signed request older (or newer) than this is a replay
OUTAGE = (DBAPIError, PoolTimeout, OSError, Unavailable)


class Webhook:
    def __init__(
        self,
        channel: wire.Channel,
        inbox: Inbox,
        dispatcher: Dispatcher,
        clock: Clock,
        deadline: float = REPLY_DEADLINE_SECONDS,
    ):
        self.channel = channel
        self.inbox = inbox
        self.dispatcher = dispatcher
        self.clock = clock
        self.deadline = deadline
        self.tasks: set[asyncio.Task] = set()
        self._handling: dict[int, tuple[asyncio.Task, Waiting]] = {}  # journal row id → work

    async def verify(self, request: web.Request) -> web.Response:
        try:
            echo = self.channel.verify_url(request.query)
        except wire.Refused as refusal:
            return _refusal(refusal)
        return web.Response(text=echo)

    async def receive(self, request: web.Request) -> web.Response:
        loop = asyncio.get_running_loop()
        until, heard_until = loop.time() + self.deadline, loop.time() + WECHAT_LISTENS_SECONDS
        try:
            body = await asyncio.wait_for(request.read(), self.deadline)
            xml = self.channel.open(request.query, body)
            self._check_fresh(request.query)
            msg = wire.inbound(self.channel.name, xml)
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="request body too large")
        except TimeoutError:
            return web.Response(status=408, text="request body too slow")
        except web.RequestPayloadError:  # e.g. a Content-Encoding it does not have
            return web.Response(status=400, text="request body cannot be decoded")
        except wire.Refused as refusal:
            return _refusal(refusal)
        try:
            entry = await self._journal(msg, request.query, until - loop.time())
        except Replayed:
            log.warning("%s query replayed with another message; ignored", msg.channel)
            return web.Response(text="success")
        except (*OUTAGE, TimeoutError) as error:
            log.error(
                "%s message not stored (%s); left for WeChat to retry",
                msg.channel,
                type(error).__name__,
            )
            return web.Response(status=503, text="try again")
        return await self._answer(request, msg, xml, entry, until - loop.time(), heard_until)

    def _check_fresh(self, query) -> None:
        stamp = query.get("timestamp", "")
        now = self.clock.now().timestamp()  # the service's clock, as every use of time
        if not stamp.isdigit() or abs(now - int(stamp)) > FRESH_SECONDS:
            raise wire.Refused(403, "timestamp outside the 5-minute window")

    async def _journal(self, msg: Inbound, query, seconds: float) -> Entry:
        """The message stored in a commit of its own, within `seconds`. The store goes on if
        time runs out (WeChat's retry then finds the row), but WeChat is told to retry."""
        nonce = f"{query.get('timestamp', '')}:{query.get('nonce', '')}"
        task = self._keep(
            self.inbox.journal(
                channel=msg.channel,
                key=msg.key,
                sender=msg.sender,
                kind=msg.kind,
                content=msg.raw,
                nonce=nonce,
                now=self.clock.now(),
            )
        )
        return await asyncio.wait_for(asyncio.shield(task), max(seconds, 0.001))

    async def _answer(
        self,
        request: web.Request,
        msg: Inbound,
        xml: str,
        entry: Entry,
        seconds: float,
        heard_until: float,
    ) -> web.Response:
        if entry.status == "pending":
            try:
                reply = await self._handled_in_time(entry.id, msg, seconds, heard_until)
            except Unavailable:
                return web.Response(status=503, text="try again")
        else:  # WeChat's retry of a message already handled: its passive reply again
            reply = (
                entry.reply
                if entry.reply_state == "passive" and await self._may_answer_again(entry.id)
                else None
            )
        if not reply:
            return web.Response(text="success")
        query = request.query
        now = self.clock.now().timestamp()
        sealed = self.channel.seal(
            wire.reply_to(msg, reply, now),
            query.get("nonce", ""),
            query.get("timestamp", "") or str(int(now)),
        )
        return web.Response(text=sealed, content_type="application/xml")

    async def _handled_in_time(
        self, row_id: int, msg: Inbound, seconds: float, heard_until: float
    ) -> str | None:
        """The reply, when handling ends within `seconds`, or when its reply was already being
        stored for this answer; else None, and the reply goes through the API."""
        task, waiting = self._handling.get(row_id) or self._start(row_id, msg)
        waiting.join(heard_until)
        try:
            return await asyncio.wait_for(asyncio.shield(task), max(seconds, 0.001))
        except TimeoutError:
            if waiting.claimed:  # the reply is being committed as ours to give: not lost
                return await asyncio.shield(task)  # if we said success now
            log.warning(
                "%s message %s slower than %ss; replying later", msg.channel, row_id, self.deadline
            )
            waiting.webhooks -= 1
            return None

    def _start(self, row_id: int, msg: Inbound) -> tuple[asyncio.Task, Waiting]:
        waiting = Waiting()
        task = self._keep(self.dispatcher.handle(row_id, msg, waiting))
        self._handling[row_id] = (task, waiting)
        task.add_done_callback(lambda _: self._handling.pop(row_id, None))
        return task, waiting

    async def _may_answer_again(self, row_id: int) -> bool:
        try:
            return await self.inbox.answer_again(row_id)
        except OUTAGE as error:
            log.error("reply of message %s not given again (%s)", row_id, type(error).__name__)
            return False

    def _keep(self, work) -> asyncio.Task:
        """A task that outlives the request that started it (aiogram's habit)."""
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        task.add_done_callback(_note_failure)
        return task


def _note_failure(task: asyncio.Task) -> None:
    """A task whose request was answered already: its failure is logged, not lost."""
    if not task.cancelled() and task.exception() is not None:
        log.warning(
            "webhook work ended with %s; the journal keeps the message",
            type(task.exception()).__name__,
        )


def _refusal(refusal: wire.Refused) -> web.Response:
    log.warning("refused webhook request: %s", refusal)
    return web.Response(status=refusal.status, text=str(refusal))

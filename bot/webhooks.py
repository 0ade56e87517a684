"""The two webhooks: verify, decrypt, parse, hand to the dispatcher, answer within 5 seconds."""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web

from bot import wire
from bot.dispatcher import Dispatcher, Unavailable
from handlers.inbound import Inbound

log = logging.getLogger(__name__)
REPLY_DEADLINE_SECONDS = 4.5  # WeChat waits 5 s before it retries
FRESH_SECONDS = 300  # a signed request older (or newer) than this is a replay


class Webhook:
    def __init__(self, channel: wire.Channel, dispatcher: Dispatcher, late_reply,
                 deadline: float = REPLY_DEADLINE_SECONDS):
        self.channel = channel
        self.dispatcher = dispatcher
        self.late_reply = late_reply
        self.deadline = deadline
        self.tasks: set[asyncio.Task] = set()
        self.seen: dict[tuple[str, str], float] = {}  # (timestamp, nonce) -> when first seen

    async def verify(self, request: web.Request) -> web.Response:
        try:
            echo = self.channel.verify_url(request.query)
        except wire.Refused as refusal:
            return _refusal(refusal)
        return web.Response(text=echo)

    async def receive(self, request: web.Request) -> web.Response:
        try:
            body = await request.read()
            xml = self.channel.open(request.query, body)
            self._check_fresh(request.query)
            msg = wire.inbound(self.channel.name, xml)
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="request body too large")
        except wire.Refused as refusal:
            return _refusal(refusal)
        if self._replayed(request.query):
            return web.Response(text="success")
        try:
            reply = await self._reply_in_time(msg)
        except Unavailable:
            log.error("database unavailable; %s message %s left for WeChat to retry",
                      msg.channel, msg.key)
            return web.Response(status=503, text="try again")
        self._remember(request.query)
        if not reply:
            return web.Response(text="success")
        xml_reply = wire.reply_xml(reply, xml, self.channel.name)
        query = request.query
        sealed = self.channel.seal(xml_reply, query.get("nonce", ""),
                                   query.get("timestamp", "") or str(int(time.time())))
        return web.Response(text=sealed, content_type="application/xml")

    def _check_fresh(self, query) -> None:
        stamp = query.get("timestamp", "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > FRESH_SECONDS:
            raise wire.Refused(403, "timestamp outside the 5-minute window")

    def _replayed(self, query) -> bool:
        """The same (timestamp, nonce) again inside the window, after it was handled, is a
        duplicate. Per process; across replicas the MsgId dedup in the database stops a replay
        all the same. A request answered 503 is not remembered, so WeChat's retry goes through."""
        key = (query.get("timestamp", ""), query.get("nonce", ""))
        seen = self.seen.get(key)
        return seen is not None and time.time() - seen < FRESH_SECONDS

    def _remember(self, query) -> None:
        now = time.time()
        if len(self.seen) > 10_000:
            self.seen = {k: t for k, t in self.seen.items() if now - t < FRESH_SECONDS}
        self.seen[(query.get("timestamp", ""), query.get("nonce", ""))] = now

    async def _reply_in_time(self, msg: Inbound) -> str | None:
        task = asyncio.create_task(self.dispatcher.handle(msg))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.deadline)
        except TimeoutError:
            log.warning("%s message %s slower than %ss; replying later", msg.channel, msg.key,
                        self.deadline)
            task.add_done_callback(lambda done: self._after_deadline(msg, done))
            return None

    def _after_deadline(self, msg: Inbound, task: asyncio.Task) -> None:
        if task.cancelled() or task.exception() or not task.result():
            return
        later = asyncio.create_task(self.late_reply(msg, task.result()))
        self.tasks.add(later)
        later.add_done_callback(self.tasks.discard)


def _refusal(refusal: wire.Refused) -> web.Response:
    log.warning("refused webhook request: %s", refusal)
    return web.Response(status=refusal.status, text=str(refusal))

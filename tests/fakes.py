"""The fakes tests put in place of the world: a clock, classifiers that answer as a test needs,
a Rasa server and WeChat APIs that misbehave on cue. (The fake WeChat API itself is
bot/devkit/fake_wechat.py, shared with the demo.)"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiohttp import web

from bot.devkit.demo import serving
from bot.devkit.fake_wechat import FakeWeChat
from handlers.ports import Clock
from nlu.classifier import Prediction
from nlu.keywords import KeywordClassifier

# Time


class FakeClock:
    def __init__(self, start: datetime | None = None):
        self.current = start or datetime(2026, 11, 26, 2, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta) -> None:
        self.current += timedelta(**delta)


# Classifiers


class FixedClassifier:
    """Says every text is a report of one category, so routing is tested alone."""

    def __init__(self, category: str):
        self.category = category

    def predict(self, text: str) -> Prediction:
        return Prediction(intent="report", category=self.category, confidence=1.0)


class UnsureClassifier:
    """A classifier port that is never sure: every report is asked about."""

    def predict(self, text: str) -> Prediction:
        return Prediction(
            intent="report",
            category="environment",
            confidence=0.3,
            alternatives=("environment", "traffic", "dispute_mediation"),
        )


class BrokenClassifier:
    def predict(self, text):
        raise RuntimeError("model file corrupt")


class GatedClassifier:
    """The keyword classifier, answering only once the test opens the gate: handling that
    takes as long as the test wants, without sleeping."""

    def __init__(self):
        self.inner = KeywordClassifier()
        self.gate = asyncio.Event()

    async def apredict(self, text: str):
        await self.gate.wait()
        return self.inner.predict(text)


class RecordingFallback:
    """The keyword classifier, noting every text it was asked about."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.inner = KeywordClassifier()

    def predict(self, text: str) -> Prediction:
        self.asked.append(text)
        return self.inner.predict(text)


# Places


class GridsByName:
    def __init__(self, ids: dict[tuple[float, float], int]):
        self.ids = ids

    def locate(self, lon: float, lat: float) -> int | None:
        return self.ids.get((lon, lat))


# Services on the other side of the wire


class FakeRasa:
    """Answers POST /model/parse like Rasa 3.6; `mode` makes it slow (`slow_seconds` late),
    failing or garbled."""

    def __init__(self, slow_seconds: float) -> None:
        self.slow_seconds = slow_seconds
        self.rankings: dict[str, list[tuple[str, float]]] = {}  # text -> intents, best first
        self.mode = "normal"
        self.received: list[tuple[str, bytes]] = []
        self.url = ""

    async def parse(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append((request.headers.get("Content-Type", ""), body))
        if self.mode == "slow":
            await asyncio.sleep(self.slow_seconds)
        if self.mode == "error":
            return web.Response(status=500, text="Internal Server Error")
        if self.mode == "garbled":
            return web.Response(text="<html>502 Bad Gateway</html>", content_type="text/html")
        return web.json_response(self.answer(json.loads(body)["text"]))

    def answer(self, text: str) -> dict:
        ranking = [
            {"name": n, "confidence": c} for n, c in self.rankings.get(text, [("help", 0.4)])
        ]
        return {"text": text, "intent": ranking[0], "intent_ranking": ranking, "entities": []}


@dataclass
class SlowWeCom:
    """WeCom taking 40 seconds (of the injected clock) per message."""

    clock: Clock
    received: list[str] = field(default_factory=list)

    async def send(self, recipient: str, body: dict) -> None:
        self.clock.advance(seconds=40)
        self.received.append(body["text"])


@dataclass
class Rendezvous:
    """WeCom holding its answer to `first` until a message to `second` has arrived."""

    first: str
    second: str
    received: list[tuple[str, str]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, recipient: str, body: dict) -> None:
        self.received.append((recipient, body["text"]))
        if recipient == self.second:
            self.arrived.set()
        elif recipient == self.first:
            await self.arrived.wait()

    def to(self, recipient: str) -> list[str]:
        return [text for to, text in self.received if to == recipient]


@dataclass
class Redirects:
    """Answers the chosen API calls (or every call, "*") with a redirect to a page where every
    call succeeds."""

    status: int = 302
    calls: set[str] = field(default_factory=set)

    @web.middleware
    async def middleware(self, request: web.Request, handler):
        call = request.path.removeprefix("/cgi-bin/")
        if call != request.path and ("*" in self.calls or call in self.calls):
            return web.Response(status=self.status, headers={"Location": "/elsewhere"})
        return await handler(request)


@dataclass
class Trouble:
    """What stands between gridbot and the fake WeChat API. Only message sends are hit; token
    fetches go through. A refused or stalled send never reaches the fake, so it delivers
    nothing."""

    statuses: list[int] = field(default_factory=list)  # the next sends get these HTTP statuses
    outage: int | None = None  # while set, every send gets this HTTP status
    stalls: int = 0  # the next this many sends hang until `release()`, then get a 504
    refused: int = 0  # sends answered with an error so far
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        self._released.set()

    @web.middleware
    async def middleware(self, request: web.Request, handler) -> web.StreamResponse:
        if not request.path.startswith("/cgi-bin/message/"):
            return await handler(request)
        if self.stalls:
            self.stalls -= 1
            with contextlib.suppress(TimeoutError):  # never hold the test's teardown long
                await asyncio.wait_for(self._released.wait(), 30)
            self.refused += 1
            return web.Response(status=504, text="<html>504 Gateway Time-out</html>")
        status = self.statuses.pop(0) if self.statuses else self.outage
        if status:
            self.refused += 1
            return web.Response(status=status, text=f"<html>{status}</html>")
        return await handler(request)

    def serve(self, fake: FakeWeChat) -> contextlib.AbstractAsyncContextManager[str]:
        """The fake WeChat API behind this trouble, on a port of its own."""
        app = fake.app()
        app.middlewares.append(self.middleware)
        return serving(app)

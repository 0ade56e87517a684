"""Harness for the hostile tests (tests/e2e/test_hostile_guarantees*.py): the whole service on
loopback as tests/stack.py runs it, with the knobs an attacker's scenario needs (plain mode,
several replicas on one database, a WeChat API that misbehaves, other settings), and the
small tools those tests share. People and numbers are fictional."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from xml.etree.ElementTree import Element

import aiohttp
import defusedxml.ElementTree as SafeTree
from sqlalchemy import select

from bot.app import SERVICES, create_app
from bot.devkit.demo import demo_settings, serving
from bot.devkit.fake_wechat import FakeWeChat
from bot.devkit.simulator import WeChatSimulator, simulators
from storage.models import InboundMessage
from tests.conftest import embedded_classifier
from tests.stack import UNLIMITED, Stack

CODE = re.compile(r"GB-[0-9A-Z]{5}")
DEFAULT_LIMITS = {"per_minute": 10, "burst": 5}  # what issue 12 names as the defaults
REPLY_FIELDS = ["Content", "CreateTime", "FromUserName", "MsgType", "ToUserName"]


@contextlib.asynccontextmanager
async def hostile_stacks(
    database_url: str,
    clock,
    *,
    replicas: int = 1,
    sections: dict | None = None,
    plain_mp: bool = False,
    fake_middlewares: Iterable = (),
    settings_changes: dict | None = None,
    settings=None,
    **app_options,
) -> AsyncIterator[list[Stack]]:
    """`replicas` servers on one database, all calling one fake WeChat API. The demo's
    settings are made afresh (new tokens and keys) unless `settings` of an earlier run are
    given, as a restarted process would read the same ones."""
    settings = replace(
        settings or demo_settings(database_url, "http://127.0.0.1:1"),
        sections={"limits": UNLIMITED, **(sections or {})},
    )
    if plain_mp:
        settings = replace(settings, mp_aes_key="")
    settings = replace(settings, **(settings_changes or {}))
    fake = FakeWeChat(
        settings.mp_appid, settings.mp_secret, settings.work_corpid, settings.work_secret
    )
    fake_app = fake.app()
    fake_app.middlewares.extend(fake_middlewares)
    if "classifier" not in app_options:
        app_options["classifier"] = embedded_classifier()
    async with serving(fake_app) as fake_base, contextlib.AsyncExitStack() as running:
        settings = replace(settings, mp_api_base=fake_base, work_api_base=fake_base)
        http = await running.enter_async_context(aiohttp.ClientSession())
        stacks = []
        for _ in range(replicas):
            app = create_app(settings, clock=clock, run_relay=False, **app_options)
            base = await running.enter_async_context(serving(app))
            mp, work = simulators(http, base, settings, now=lambda: clock.now().timestamp())
            stacks.append(Stack(app[SERVICES], fake, mp, work, base))
        yield stacks


def code_in(text: str | None) -> str:
    found = CODE.search(text or "")
    assert found, f"no ticket code in {text!r}"
    return found.group(0)


async def settle(*stacks: Stack) -> None:
    """Let work a webhook carries on with after answering WeChat finish."""
    for stack in stacks:
        for channel in ("mp", "work"):
            await asyncio.gather(*stack.services.webhooks[channel].tasks, return_exceptions=True)


async def inbound_rows(stack: Stack) -> list[InboundMessage]:
    async with stack.services.sessionmaker() as session:
        return list(await session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def strict(xml: str | bytes) -> Element:
    """XML as a strict parser reads it: well-formed, no DTD, or this raises."""
    return SafeTree.fromstring(xml, forbid_dtd=True)


async def raw_reply(
    sim: WeChatSimulator, query: dict[str, str], body: bytes
) -> tuple[int, str, Element | None]:
    """Status, raw body and (for a passive reply) the decrypted reply, strictly parsed."""
    async with sim.http.post(sim.url, params=query, data=body) as response:
        text = await response.text()
        status = response.status
    if status != 200 or text == "success":
        return status, text, None
    outer = strict(text)
    sealed = outer.findtext("Encrypt")
    if sealed is None:
        return status, text, outer
    return status, text, strict(sim._prp().decrypt(sealed, sim.channel.app_id))


def one_text_message(reply: Element) -> str:
    """The Content of a reply that is exactly one text message, no links; fails otherwise."""
    assert reply.tag == "xml"
    assert sorted(child.tag for child in reply) == REPLY_FIELDS
    assert [kind.text for kind in reply.iter("MsgType")] == ["text"]
    assert not [
        *reply.iter("Url"),
        *reply.iter("Articles"),
        *reply.iter("ArticleCount"),
        *reply.iter("item"),
    ]
    return reply.findtext("Content") or ""


async def get(base: str, path: str, timeout: float = 10) -> tuple[int, str, float]:
    """Status, body and seconds taken by a GET."""
    started = time.monotonic()
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{base}{path}", timeout=aiohttp.ClientTimeout(total=timeout)) as response,
    ):
        body = await response.text()
    return response.status, body, time.monotonic() - started


async def metric(base: str, name: str) -> float:
    """The value of a metric without labels, or the sum of its labelled samples."""
    _, body, _ = await get(base, "/metrics")
    total = 0.0
    for line in body.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def statuses_seen(base: str, path: str) -> dict[str, float]:
    """gridbot_requests_total for one path, by status."""
    _, body, _ = await get(base, "/metrics")
    seen: dict[str, float] = {}
    for line in body.splitlines():
        match = re.match(r'gridbot_requests_total\{path="([^"]+)",status="(\d+)"\} (\S+)', line)
        if match and match.group(1) == path:
            seen[match.group(2)] = float(match.group(3))
    return seen

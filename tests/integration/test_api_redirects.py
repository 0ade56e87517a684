"""A redirect from the WeChat or WeCom API is a failed call, never a message sent."""

from __future__ import annotations

import base64

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.devkit.demo import serving
from bot.devkit.fake_wechat import FakeWeChat
from bot.relay import Relay
from bot.wechat_api import MpApi, WorkApi
from storage.models import OutboxMessage
from storage.outbox import Message, Outbox
from tests.fakes import Redirects

MP_APPID, MP_SECRET = "wx0000000000test", "mp-secret-0123456789abcdef"
CORPID, WORK_SECRET, AGENTID = "ww0000000000test", "work-secret-0123456789abcdef", 1000002
RESIDENT, WORKER, SUPERVISOR = "o_resident_0001", "liminghua", "zhouhaitao"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n chart").decode()
# Where the redirects lead: a page that answers every call as if it had succeeded.
ALL_WELL = {
    "errcode": 0,
    "errmsg": "ok",
    "access_token": "elsewhere-token",
    "expires_in": 7200,
    "media_id": "media-elsewhere",
}
EVERY_CALL = "*"
CASES = {  # the status answered, and the calls answered with it
    "every-call-302": (302, {EVERY_CALL}),
    "message-sends-302": (302, {"message/custom/send", "message/send"}),
    "message-sends-307": (307, {"message/custom/send", "message/send"}),
    "media-upload-302": (302, {"media/upload"}),
}


async def all_well(request: web.Request) -> web.Response:
    return web.json_response(ALL_WELL)


@pytest.fixture
async def api(sessionmaker, clock):
    fake, redirects = FakeWeChat(MP_APPID, MP_SECRET, CORPID, WORK_SECRET), Redirects()
    app = fake.app()
    app.middlewares.append(redirects.middleware)
    app.router.add_route("*", "/elsewhere", all_well)
    async with serving(app) as base, aiohttp.ClientSession() as http:
        senders = {
            "mp": MpApi(http, base, clock, MP_APPID, MP_SECRET),
            "work": WorkApi(http, base, clock, CORPID, WORK_SECRET, AGENTID),
        }
        yield Relay(sessionmaker, senders, clock), fake, redirects


async def queue_a_text_each_way_and_a_chart(sessionmaker, now) -> None:
    messages = [
        Message(channel="mp", recipient=RESIDENT, text="您的工单已受理", dedup_key="test:mp"),
        Message(channel="work", recipient=WORKER, text="您有一条新工单", dedup_key="test:work"),
        Message(
            channel="work",
            recipient=SUPERVISOR,
            text="",
            image_png=base64.b64decode(PNG),
            dedup_key="test:chart",
        ),
    ]
    async with sessionmaker() as session:
        await Outbox(session).put(messages, now)
        await session.commit()


async def outbox(sessionmaker) -> list[OutboxMessage]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.mark.parametrize("case", list(CASES))
async def test_api_answering_with_a_redirect_leaves_messages_unsent_and_retried_later(
    api, sessionmaker, clock, case
):
    relay, fake, redirects = api
    redirects.status, redirects.calls = CASES[case]
    await queue_a_text_each_way_and_a_chart(sessionmaker, clock.now())

    await relay.drain()

    rows = await outbox(sessionmaker)
    failed = [row for row in rows if row.state != "sent"]
    assert failed, "a redirect was taken for a delivery"
    for row in failed:
        assert (row.state, row.attempts) == ("pending", 1)
        assert f"HTTP {redirects.status}" in row.last_error
        assert row.next_attempt_at > clock.now()
    assert len(failed) == (1 if case.startswith("media") else 3)  # the texts need no upload

    redirects.calls = set()
    clock.advance(minutes=5)
    await relay.drain()

    assert [row.state for row in await outbox(sessionmaker)] == ["sent"] * 3
    assert fake.to(RESIDENT) == ["您的工单已受理"] and fake.to(WORKER) == ["您有一条新工单"]
    [chart] = fake.to(SUPERVISOR)
    assert chart.startswith("[image media-") and chart != "[image media-elsewhere]"

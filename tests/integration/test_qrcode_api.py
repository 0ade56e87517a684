"""The Official Account's qrcode/create as the service calls it, against the fake WeChat API on
loopback, which answers as WeChat documents: a permanent code has no expire_seconds, the same
scene is the same code, and a scene_str over 64 characters is refused with errcode 40053."""

from __future__ import annotations

import aiohttp
import pytest

from bot.devkit.demo import serving
from bot.devkit.fake_wechat import FakeWeChat
from bot.wechat_api import ApiError, MpApi
from handlers.chat.qrscene import grid_scene

MP_APPID, MP_SECRET = "wx0000000000test", "mp-secret-0123456789abcdef"


@pytest.fixture
async def api(clock):
    fake = FakeWeChat(MP_APPID, MP_SECRET, "ww0000000000test", "work-secret")
    async with serving(fake.app()) as base, aiohttp.ClientSession() as http:
        yield MpApi(http, base, clock, MP_APPID, MP_SECRET), fake


async def test_a_grid_gets_one_permanent_code_however_often_it_is_asked(api):
    mp, fake = api

    first = await mp.create_qrcode(grid_scene("QH-QQ-DG-01"))
    again = await mp.create_qrcode(grid_scene("QH-QQ-DG-01"))
    other = await mp.create_qrcode(grid_scene("QH-QQ-DG-02"))

    assert first["url"].startswith("http://weixin.qq.com/q/") and first["ticket"]
    assert "expire_seconds" not in first
    assert again == first and other["url"] != first["url"]
    assert set(fake.qrcodes) == {
        "QR_LIMIT_STR_SCENE:grid:QH-QQ-DG-01",
        "QR_LIMIT_STR_SCENE:grid:QH-QQ-DG-02",
    }


async def test_a_scene_longer_than_wechat_allows_is_refused_with_its_errcode(api):
    mp, fake = api
    assert (await mp.create_qrcode("g" * 64))["url"]

    with pytest.raises(ApiError) as refused:
        await mp.create_qrcode("g" * 65)

    assert refused.value.errcode == 40053
    assert len(fake.qrcodes) == 1

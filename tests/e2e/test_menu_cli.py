"""`gridbot menu create` run as an operator would, against the fake WeChat API on loopback."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from bot.devkit.demo import serving
from bot.devkit.fake_wechat import FakeWeChat
from bot.wechat_api import ApiError, MpApi
from tests.cli import run_gridbot
from tests.fakes import FakeClock

APPID, SECRET = "wx0000000000menu01", "menu-secret"
# The menu issue 15 asks for, as WeChat's menu/create takes it.
MENU = [
    {
        "name": "我要反映",
        "sub_button": [
            {"type": "location_select", "name": "发送位置", "key": "locate"},
            {"type": "click", "name": "怎么反映", "key": "how_to_report"},
        ],
    },
    {"type": "click", "name": "我的工单", "key": "my_tickets"},
    {
        "name": "服务",
        "sub_button": [
            {"type": "click", "name": "联系网格员", "key": "my_worker"},
            {"type": "click", "name": "办事指南", "key": "guide"},
        ],
    },
]


@pytest.fixture
async def fake():
    wechat = FakeWeChat(APPID, SECRET, "ww0000000000menu01", "work-secret")
    async with serving(wechat.app()) as base:
        wechat.base = base
        yield wechat


async def gridbot_menu_create(env: dict[str, str]):
    return await asyncio.to_thread(run_gridbot, "menu", "create", env=env)


def settings_for(fake, **changes: str) -> dict[str, str]:
    env = {"GRIDBOT_MP_APPID": APPID, "GRIDBOT_MP_SECRET": SECRET}
    return env | {"GRIDBOT_MP_API_BASE": fake.base} | changes


async def test_menu_create_sets_the_official_accounts_menu(fake):
    done = await gridbot_menu_create(settings_for(fake))

    assert done.returncode == 0, done.stderr
    assert fake.menu == MENU
    assert "我要反映（发送位置、怎么反映）、我的工单、服务（联系网格员、办事指南）" in done.stdout


async def test_menu_create_again_replaces_the_menu_with_the_same_one(fake):
    for _ in range(2):
        assert (await gridbot_menu_create(settings_for(fake))).returncode == 0
    assert fake.menu == MENU and fake.token_fetches["mp"] == 2  # one process each time


async def test_a_refused_secret_is_said_in_one_line(fake):
    done = await gridbot_menu_create(settings_for(fake, GRIDBOT_MP_SECRET="not-the-secret"))

    assert done.returncode == 1 and fake.menu is None
    assert done.stderr.strip().count("\n") == 0 and "40125" in done.stderr


async def test_an_unreachable_api_is_said_in_one_line(fake):
    done = await gridbot_menu_create(settings_for(fake, GRIDBOT_MP_API_BASE="http://127.0.0.1:1"))

    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "unreachable" in done.stderr


async def test_menu_create_without_the_official_account_is_a_configuration_error():
    done = await asyncio.to_thread(run_gridbot, "menu", "create")

    assert done.returncode == 2 and "GRIDBOT_MP_APPID" in done.stderr


async def test_the_fake_refuses_more_than_three_buttons_as_wechat_does(fake):
    four = [*MENU, {"type": "click", "name": "更多", "key": "more"}]
    async with aiohttp.ClientSession() as http:
        api = MpApi(http, fake.base, FakeClock(), APPID, SECRET)
        with pytest.raises(ApiError) as refused:
            await api.create_menu(four)
        await api.create_menu(MENU)

    assert refused.value.errcode == 40016 and fake.menu == MENU


@pytest.mark.parametrize(
    "buttons, errcode",
    [
        ([], 40016),
        ([{"name": "组", "sub_button": [{"type": "click", "name": "子", "key": "k"}] * 6}], 40023),
        ([{"type": "teleport", "name": "传送", "key": "k"}], 40017),
        ([{"type": "click", "name": "一个很长很长的菜单名字", "key": "k"}], 40018),
        ([{"type": "click", "name": "无键"}], 40019),
        ([{"name": "组", "sub_button": [{"type": "nope", "name": "子", "key": "k"}]}], 40024),
    ],
)
async def test_the_fake_refuses_a_menu_wechat_would_refuse(fake, buttons, errcode):
    async with aiohttp.ClientSession() as http:
        api = MpApi(http, fake.base, FakeClock(), APPID, SECRET)
        with pytest.raises(ApiError) as refused:
            await api.create_menu(buttons)
    assert refused.value.errcode == errcode and fake.menu is None

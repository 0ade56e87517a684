"""`gridbot menu create`: the Official Account's menu (handlers/chat/media.py MENU, its names
in handlers/texts.py), set through WeChat's menu/create."""

from __future__ import annotations

import asyncio
import sys

import aiohttp

from bot.wechat_api import ApiError, MpApi
from config.settings import DESCRIPTIONS, Settings, SettingsError, env_name
from handlers import texts
from handlers.chat.media import MENU
from handlers.ports import SystemClock


def buttons() -> list[dict]:
    """The menu as menu/create takes it."""
    return [_button(key, spec) for key, spec in MENU]


def _button(key: str, spec: str | tuple) -> dict:
    name = texts.MENU_NAMES[key]
    if isinstance(spec, str):
        return {"type": spec, "name": name, "key": key}
    return {"name": name, "sub_button": [_button(*sub) for sub in spec]}


def outline(menu: list[dict]) -> str:
    """我要反映（发送位置、怎么反映）、我的工单 …: what the residents will see."""
    return "、".join(
        b["name"]
        + (f"（{'、'.join(s['name'] for s in b['sub_button'])}）" if "sub_button" in b else "")
        for b in menu
    )


def create_command(settings: Settings) -> int:
    for name in ("mp_appid", "mp_secret"):
        if not getattr(settings, name):
            raise SettingsError(env_name(name), f"missing ({DESCRIPTIONS[name]})")
    menu = buttons()
    try:
        asyncio.run(create(settings, menu))
    except ApiError as error:
        print(f"gridbot menu create: WeChat refused the menu: {error}", file=sys.stderr)
        return 1
    except (aiohttp.ClientError, TimeoutError) as error:
        reason = type(error).__name__
        print(
            f"gridbot menu create: {settings.mp_api_base} unreachable: {reason}", file=sys.stderr
        )
        return 1
    print(f"菜单已设置 / menu created: {outline(menu)}")
    return 0


async def create(settings: Settings, menu: list[dict]) -> None:
    async with aiohttp.ClientSession() as http:
        api = MpApi(
            http, settings.mp_api_base, SystemClock(), settings.mp_appid, settings.mp_secret
        )
        await api.create_menu(menu)

"""A console chat with the running service, as a resident (公众号) or a staff member (企业微信)."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from bot.devkit.simulator import WeChatSimulator
from handlers import texts
from handlers.chat.media import MENU_ANSWERS  # the menu's CLICK buttons, by key

HELP = """\
命令 / commands:
  直接输入文字            以当前身份发消息 (send a message as the current identity)
  /位置 网格名 | 经度 纬度  居民发送位置 (resident sends a location), e.g. /位置 东关一网格
  /图片                  居民发送一张照片 (resident sends a photo)
  /菜单 按钮              居民点公众号菜单 (resident taps a menu button), e.g. /菜单 我的工单
  /切换 USERID           切换为工作人员 (switch to a staff member), e.g. /切换 liminghua
  #                      在指令里代表最近出现的工单号 (the latest ticket code), e.g. 接单 #
  /居民                  切换回居民 (back to the resident)
  /人员                  列出工作人员 (list staff)
  /帮助                  显示本说明 (this help)
  /退出                  退出 (quit)"""
RESIDENT = "居民"
CODE = re.compile(r"GB-[0-9A-Z]{4,8}")


@dataclass
class Console:
    mp: WeChatSimulator
    work: WeChatSimulator
    resident_openid: str
    staff: dict[str, str]  # userid -> name
    grid_points: dict[str, tuple[float, float]]  # grid name or code -> (lon, lat)
    settle: Callable[[], Awaitable[None]] = field(default=lambda: asyncio.sleep(0))
    show: Callable[[str], None] = print
    identity: str = RESIDENT
    last_code: str = ""

    async def run(self, lines: AsyncIterator[str]) -> None:
        self.show(HELP)
        await self._send_mp(self.mp.event(self.resident_openid, "subscribe"), "（关注公众号）")
        async for line in lines:
            line = line.strip()
            if not line:
                continue
            if line in ("/退出", "/quit", "/exit"):
                break
            await self.handle(line)

    async def handle(self, line: str) -> None:
        if self.last_code and " #" in line:
            line = line.replace(" #", " " + self.last_code)
        if line.startswith("/"):
            await self._command(line)
        elif self.identity == RESIDENT:
            await self._send_mp(self.mp.text(self.resident_openid, line), line)
        else:
            await self._send_work(self.work.text(self.identity, line), line)

    async def _command(self, line: str) -> None:
        name, _, argument = line.partition(" ")
        argument = argument.strip()
        if name in ("/位置", "/loc"):
            await self._location(argument)
        elif name in ("/图片", "/photo"):
            await self._send_mp(
                self.mp.image(self.resident_openid, f"demo-{self.mp.next_id()}"),
                "（发送了一张照片）",
            )
        elif name in ("/菜单", "/menu"):
            await self._menu(argument)
        elif name in ("/切换", "/as"):
            self._switch(argument)
        elif name in ("/居民", "/resident"):
            self.identity = RESIDENT
            self.show("现在你是：居民（公众号）")
        elif name in ("/人员", "/staff"):
            self.show("\n".join(f"  {uid}  {who}" for uid, who in self.staff.items()))
        else:
            self.show(HELP)

    async def _location(self, argument: str) -> None:
        point = self.grid_points.get(argument)
        if point is None:
            try:
                lon, lat = (float(part) for part in argument.split())
                point = (lon, lat)
            except ValueError:
                self.show(
                    "用法：/位置 网格名，或 /位置 经度 纬度。可用网格："
                    + "、".join(n for n in self.grid_points if not n.isascii())
                )
                return
        fields = self.mp.location(self.resident_openid, point[0], point[1])
        await self._send_mp(fields, f"（发送位置 {point[0]:.4f}, {point[1]:.4f}）")

    async def _menu(self, button: str) -> None:
        """A CLICK button of the menu `gridbot menu create` sets, by its name or key."""
        keys = {name: key for key, name in texts.MENU_NAMES.items() if key in MENU_ANSWERS}
        key = keys.get(button) or (button if button in MENU_ANSWERS else None)
        if key is None:
            self.show("用法：/菜单 按钮。可用按钮：" + "、".join(keys))
            return
        fields = self.mp.event(self.resident_openid, "CLICK", EventKey=key)
        await self._send_mp(fields, f"（点了菜单“{texts.MENU_NAMES[key]}”）")

    def _switch(self, userid: str) -> None:
        if userid not in self.staff:
            self.show(f"没有这个工作人员：{userid}。输入 /人员 查看名单。")
            return
        self.identity = userid
        self.show(f"现在你是：{self.staff[userid]}（{userid}，企业微信）")

    async def _send_mp(self, fields: dict, said: str) -> None:
        self._echo(f"居民 > {said}")
        await self._exchange(self.mp, fields)

    async def _send_work(self, fields: dict, said: str) -> None:
        self._echo(f"{self.staff[self.identity]}（企业微信）> {said}")
        await self._exchange(self.work, fields)

    async def _exchange(self, simulator: WeChatSimulator, fields: dict) -> None:
        reply = await simulator.send(fields)
        if reply.status != 200:
            self.show(f"  ！服务器返回 HTTP {reply.status}：{reply.body}")
        elif reply.text:
            self.say(_indent("网格通 ⇒ ", reply.text))
        await self.settle()

    def say(self, text: str) -> None:
        """Show a line, remembering the latest ticket code in it for `#` (not an example's)."""
        codes = [code for code in CODE.findall(text) if code != texts.EXAMPLE_CODE]
        if codes:
            self.last_code = codes[-1]
        self.show(text)

    def _echo(self, text: str) -> None:
        if not sys.stdin.isatty():
            self.show(text)


def _indent(prefix: str, text: str) -> str:
    pad = " " * 4
    return prefix + text.replace("\n", "\n" + pad)


async def stdin_lines() -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    interactive = sys.stdin.isatty()
    while True:
        line = await loop.run_in_executor(None, _read_line, interactive)
        if line is None:
            return
        yield line


def _read_line(interactive: bool) -> str | None:
    try:
        return input("> ") if interactive else (sys.stdin.readline() or None)
    except EOFError:
        return None

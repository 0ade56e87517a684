"""A console chat with the running service, as a resident (公众号) or a staff member (企业微信)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sys
import threading
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from bot.devkit.simulator import WeChatSimulator
from handlers import texts
from handlers.chat.media import MENU_ANSWERS  # the menu's CLICK buttons, by key

HELP = """\
命令 / commands:
  直接输入文字            以当前身份发消息 (send a message as the current identity)
  /位置 网格名 | 经度 纬度  以当前身份发送位置 (send a location), e.g. /位置 东关一网格
  /图片                  以当前身份发送一张照片 (send a photo)
  /菜单 按钮              居民点公众号菜单 (resident taps a menu button), e.g. /菜单 我的工单
  /切换 USERID           切换为工作人员 (switch to a staff member), e.g. /切换 liminghua
  #                      在指令里代表最近出现的工单号 (the latest ticket code), e.g. 接单 #
  /居民 [N]              切换为第 N 位居民；不带 N 时列出居民 (be resident N; list them)
  /人员                  列出工作人员 (list staff)
  /快进 2小时 | 到 18:00  演示时钟前进：提醒、超时升级、简报 (move the demo clock on)
  /帮助                  显示本说明 (this help)
  /退出                  退出 (quit)"""
RESIDENT = "居民"
CODE = re.compile(r"GB-[0-9A-Z]{4,8}")
MOST_RESIDENTS = 9
FORWARD_USAGE = "用法：/快进 2小时、/快进 30分钟、/快进 1天，或 /快进 到 18:00（北京时间）"


@dataclass
class Console:
    mp: WeChatSimulator
    work: WeChatSimulator
    resident_openid: str  # resident 1; resident N is this with "-N"
    staff: dict[str, str]  # userid -> name
    grid_points: dict[str, tuple[float, float]]  # grid name or code -> (lon, lat)
    settle: Callable[[], Awaitable[None]] = field(default=lambda: asyncio.sleep(0))
    show: Callable[[str], None] = print
    identity: str = RESIDENT
    last_code: str = ""
    forward: Callable[[str], Awaitable[None]] | None = None  # `/快进`, where a clock moves
    resident: int = 1  # which resident speaks
    residents: int = 1  # how many have followed the account

    async def run(self, lines: AsyncIterable[str]) -> None:
        self.show(HELP)
        await self._follow()
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
            await self._send_mp(self.mp.text(self.openid, line), line)
        else:
            await self._send_work(self.work.text(self.identity, line), line)

    @property
    def openid(self) -> str:
        return self.openid_of(self.resident)

    def openid_of(self, number: int) -> str:
        return self.resident_openid if number == 1 else f"{self.resident_openid}-{number}"

    def label(self, openid: str) -> str:
        """居民, 居民 2 …: how the console names the resident behind an openid."""
        for number in range(2, self.residents + 1):
            if openid == self.openid_of(number):
                return f"{RESIDENT} {number}"
        return RESIDENT

    async def _command(self, line: str) -> None:
        name, _, argument = line.partition(" ")
        argument = argument.strip()
        if name in ("/位置", "/loc"):
            await self._location(argument)
        elif name in ("/图片", "/photo"):
            await self._photo()
        elif name in ("/菜单", "/menu"):
            await self._menu(argument)
        elif name in ("/切换", "/as"):
            self._switch(argument)
        elif name in ("/居民", "/resident"):
            await self._resident(argument)
        elif name in ("/人员", "/staff"):
            self.show("\n".join(f"  {uid}  {who}" for uid, who in self.staff.items()))
        elif name in ("/快进", "/forward"):
            await self._forward(argument)
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
        said = f"（发送位置 {point[0]:.4f}, {point[1]:.4f}）"
        if self.identity == RESIDENT:
            await self._send_mp(self.mp.location(self.openid, point[0], point[1]), said)
        else:
            await self._send_work(self.work.location(self.identity, point[0], point[1]), said)

    async def _photo(self) -> None:
        if self.identity == RESIDENT:
            fields = self.mp.image(self.openid, f"demo-{self.mp.next_id()}")
            await self._send_mp(fields, "（发送了一张照片）")
        else:
            fields = self.work.image(self.identity, f"demo-{self.work.next_id()}")
            await self._send_work(fields, "（发送了一张照片）")

    async def _resident(self, argument: str) -> None:
        if not argument:
            self.identity = RESIDENT
            self.show(f"现在你是：{self.label(self.openid)}（公众号）")
            self._list_residents()
            return
        if not argument.isdigit() or not 1 <= int(argument) <= MOST_RESIDENTS:
            self.show(f"用法：/居民 N，N 是 1 到 {MOST_RESIDENTS} 的数字；/居民 列出居民。")
            return
        self.identity, self.resident = RESIDENT, int(argument)
        new = self.resident > self.residents
        self.residents = max(self.residents, self.resident)
        self.show(f"现在你是：{self.label(self.openid)}（公众号）")
        if new:
            await self._follow()

    def _list_residents(self) -> None:
        for number in range(1, self.residents + 1):
            mark = "  ← 当前" if number == self.resident else ""
            self.show(f"  {number}  {self.label(self.openid_of(number))}{mark}")

    async def _follow(self) -> None:
        await self._send_mp(self.mp.event(self.openid, "subscribe"), "（关注公众号）")

    async def _forward(self, argument: str) -> None:
        if self.forward is None:
            self.show("/快进 只在 gridbot demo 里可用：它有自己的演示时钟。")
            return
        try:
            await self.forward(argument)
        except ValueError:
            self.show(FORWARD_USAGE)

    async def _menu(self, button: str) -> None:
        """A CLICK button of the menu `gridbot menu create` sets, by its name or key."""
        keys = {name: key for key, name in texts.MENU_NAMES.items() if key in MENU_ANSWERS}
        key = keys.get(button) or (button if button in MENU_ANSWERS else None)
        if key is None:
            self.show("用法：/菜单 按钮。可用按钮：" + "、".join(keys))
            return
        fields = self.mp.event(self.openid, "CLICK", EventKey=key)
        await self._send_mp(fields, f"（点了菜单“{texts.MENU_NAMES[key]}”）")

    def _switch(self, userid: str) -> None:
        if userid not in self.staff:
            self.show(f"没有这个工作人员：{userid}。输入 /人员 查看名单。")
            return
        self.identity = userid
        self.show(f"现在你是：{self.staff[userid]}（{userid}，企业微信）")

    async def _send_mp(self, fields: dict, said: str) -> None:
        self._echo(f"{self.label(self.openid)} > {said}")
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


class StdinLines:
    """Lines typed or piped in, read on a daemon thread so that nothing waits on it at the
    end. From its creation the first Ctrl-C ends the lines as the end of stdin does (what is
    under way finishes first); a second one interrupts at once."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C interrupts at once
            self._loop.add_signal_handler(signal.SIGINT, self._interrupted)

    def _interrupted(self) -> None:
        self.close()
        self._lines.put_nowait(None)

    def close(self) -> None:
        with contextlib.suppress(NotImplementedError):
            self._loop.remove_signal_handler(signal.SIGINT)

    def _read(self, interactive: bool) -> None:
        while True:
            line = _read_line(interactive)
            try:
                self._loop.call_soon_threadsafe(self._lines.put_nowait, line)
            except RuntimeError:  # the loop has closed: the console is over
                return
            if line is None:
                return

    async def __aiter__(self) -> AsyncIterator[str]:
        interactive = sys.stdin.isatty()
        threading.Thread(
            target=self._read, args=(interactive,), name="console-stdin", daemon=True
        ).start()
        try:
            while (line := await self._lines.get()) is not None:
                yield line
        finally:
            self.close()


def stdin_lines() -> StdinLines:
    return StdinLines()


def _read_line(interactive: bool) -> str | None:
    try:
        return input("> ") if interactive else (sys.stdin.readline() or None)
    except (EOFError, KeyboardInterrupt):
        return None

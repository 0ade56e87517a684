"""`gridbot demo` prints a one-time link to the web console for the demo supervisor; a
newcomer opens it while the demo runs, presses 进入控制台 and sees the console."""

from __future__ import annotations

import asyncio

from tests.cli import gridbot_command, gridbot_environment
from tests.console import LINK, browser, press_enter

READ_SECONDS = 90


async def test_the_demo_prints_a_console_link_that_opens_the_supervisors_ticket_list(tmp_path):
    demo = await asyncio.create_subprocess_exec(
        *gridbot_command("demo"),
        cwd=tmp_path,
        env=gridbot_environment(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        link = await asyncio.wait_for(_link_printed(demo), READ_SECONDS)
        async with browser() as http:
            response = await press_enter(http, link)
            page = await response.text()
    finally:
        demo.stdin.write("/退出\n".encode())
        await demo.stdin.drain()
        demo.stdin.close()
        await asyncio.wait_for(demo.wait(), READ_SECONDS)

    assert response.status == 200 and response.url.path == "/console/tickets"
    assert "周海涛" in page and "网格通控制台" in page
    assert demo.returncode == 0


async def _link_printed(demo) -> str:
    while line := (await demo.stdout.readline()).decode("utf-8"):
        found = LINK.search(line)
        if found:
            return found.group(0)
    raise AssertionError("the demo ended without printing a console link")

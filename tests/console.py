"""What the web console tests share: a staff member's one-time link from WeCom, and a
browser-like HTTP client (a cookie jar that keeps loopback cookies) to follow it."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import aiohttp

LINK = re.compile(r"https?://\S+/console/login\?token=[\w.-]+")
PLAIN_HTTP = {"console": {"secure_cookies": False}}  # the stack serves http on loopback


async def link_for(stack, userid: str) -> str:
    """The link the staff member gets for `控制台`, on the stack's own address."""
    reply = await stack.staff_says(userid, "控制台")
    found = LINK.search(reply or "")
    assert found, reply
    parts = urlsplit(found.group(0))
    return f"{stack.base}{parts.path}?{parts.query}"


@contextlib.asynccontextmanager
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    jar = aiohttp.CookieJar(unsafe=True)  # keeps cookies from 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        yield http


async def signed_in(stack, http: aiohttp.ClientSession, userid: str) -> str:
    """Follows the staff member's link; the ticket list's HTML."""
    async with http.get(await link_for(stack, userid)) as response:
        assert response.status == 200, await response.text()
        assert response.url.path == "/console/tickets"
        return await response.text()

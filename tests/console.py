"""What the web console tests share: a staff member's one-time link from WeCom, and a
browser-like HTTP client (a cookie jar that keeps loopback cookies) that follows it and
presses the login page's button, reading the form as a browser reads it."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import aiohttp

LINK = re.compile(r"https?://\S+/console/login\?token=[\w.-]+")
PLAIN_HTTP = {"console": {"secure_cookies": False}}  # the stack serves http on loopback


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[str] = field(default_factory=list)


class _Forms(HTMLParser):
    """The forms of a page: method, action, hidden and other named inputs, button labels."""

    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self._in_button = False

    def handle_starttag(self, tag, attrs):
        given = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(given.get("method", "get").lower(), given.get("action", "")))
        elif tag == "input" and self.forms and "name" in given:
            self.forms[-1].fields[given["name"]] = given.get("value", "")
        elif tag == "button" and self.forms:
            self._in_button = True
            self.forms[-1].buttons.append("")

    def handle_endtag(self, tag):
        if tag == "button":
            self._in_button = False

    def handle_data(self, data):
        if self._in_button:
            self.forms[-1].buttons[-1] += data.strip()


def forms_of(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    parser.close()
    return parser.forms


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


async def login_form(http: aiohttp.ClientSession, link: str) -> tuple[str, dict[str, str]]:
    """Opens the link: the address its 进入控制台 button posts to, and the form's fields."""
    async with http.get(link) as page:
        assert page.status == 200, await page.text()
        html = await page.text()
    [form] = [form for form in forms_of(html) if "进入控制台" in form.buttons]
    assert form.method == "post"
    return urljoin(link, form.action), form.fields


async def press_enter(http: aiohttp.ClientSession, link: str, **options) -> aiohttp.ClientResponse:
    """Opens the link and presses 进入控制台, as a browser would; the response, read."""
    action, fields = await login_form(http, link)
    async with http.post(action, data=fields, **options) as response:
        await response.read()
    return response


async def signed_in(stack, http: aiohttp.ClientSession, userid: str) -> str:
    """Follows the staff member's link and presses the button; the ticket list's HTML."""
    response = await press_enter(http, await link_for(stack, userid))
    assert response.status == 200, await response.text()
    assert response.url.path == "/console/tickets"
    return await response.text()

"""The web console's edge (/console/): a sub-application with its own templates, security
headers and session check, over the console use cases. Autoescaping is on: the template
engine is the one place user text is escaped."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.console import dashboard, oauth, pages  # noqa: F401 (dashboard adds its pages)
from bot.console import map as grid_map
from bot.console import staff as _staff  # noqa: F401  (its pages join pages.GETS and POSTS)
from bot.console.guard import SERVICES, security_headers
from config.settings import ConsoleOptions, Settings
from handlers import texts
from handlers.calendar import SHANGHAI
from handlers.console.sessions import ConsoleLinks

PREFIX = "/console"
HERE = Path(__file__).resolve().parent


def add_routes(app: web.Application, services_key, settings: Settings) -> None:
    """Called by the app factory; the console shares the app's resources (`services_key`)."""
    console = web.Application(middlewares=[security_headers])
    console[SERVICES] = app[services_key]
    console[pages.OPTIONS] = ConsoleOptions.from_settings(settings)
    environment = aiohttp_jinja2.setup(
        console,
        loader=jinja2.PackageLoader("bot.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["local"] = _local
    environment.globals["t"] = texts.CONSOLE
    environment.globals["kinds"] = texts.ATTACHMENT_KINDS
    environment.globals["sorts"] = texts.SORT_NAMES
    for path, handler in {**pages.GETS, **oauth.GETS}.items():  # /login: link or WeCom
        console.router.add_get(path, handler)
    for path, handler in pages.POSTS.items():
        console.router.add_post(path, handler)
    grid_map.add_routes(console, console[pages.OPTIONS])
    console.router.add_static("/static", HERE / "static")
    app.router.add_get(PREFIX, pages.home)
    app.add_subapp(PREFIX + "/", console)


def links(settings: Settings) -> ConsoleLinks:
    """Login links signed with a key every replica derives alike from the data key (or,
    without one, the WeCom secrets; failing those, a key of this process alone)."""
    shared = settings.data_key or settings.work_secret + settings.work_token
    seed = shared.encode() if shared else secrets.token_bytes(32)
    key = hashlib.sha256(b"gridbot console links\0" + seed).digest()
    return ConsoleLinks(settings.public_base, key)


def _local(moment) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""

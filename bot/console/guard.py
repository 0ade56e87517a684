"""What every console page goes through: security headers, the session, CSRF on POSTs, and
refusals turned into a Chinese page with its status, once."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.exc import DBAPIError

from handlers import texts
from handlers.console.sessions import SESSION_HOURS, Current, current
from handlers.errors import DomainError, TicketNotFound
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
SERVICES = web.AppKey("console_services", object)
COOKIE = "gridbot_console"
POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src {images}; " + (
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = {
    # gridbot's own files only: no inline script or style, no frames, forms post back here
    "Content-Security-Policy": POLICY.format(images="'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a login link's token never leaves in a Referer
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
SECURITY = web.AppKey("console_headers", dict)  # HEADERS, or with the map's tile hosts


def headers_allowing_images(origins: list[str]) -> dict[str, str]:
    """HEADERS with images also from these origins (the map's tile server) and no others."""
    images = " ".join(["'self'", *origins])
    return {**HEADERS, "Content-Security-Policy": POLICY.format(images=images)}


class Refused(Exception):
    """A page that cannot be shown: its status and the sentence saying why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@web.middleware
async def security_headers(request: web.Request, handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except Refused as refusal:
        response = message_page(request, refusal.status, refusal.message)
    except TicketNotFound as missing:
        response = message_page(request, 404, str(missing))
    except web.HTTPNotFound:
        response = message_page(request, 404, texts.CONSOLE_NOT_FOUND)
    except (DBAPIError, OSError) as error:  # the database is down: say so, retry later
        log.error("console %s failed: %s", request.path, type(error).__name__)
        response = message_page(request, 503, texts.CONSOLE_UNAVAILABLE)
    response.headers.update(request.app.get(SECURITY, HEADERS))
    return response


def set_session(response: web.StreamResponse, secret: str, secure: bool) -> None:
    """The session cookie, however the person logged in (a one-time link or WeCom's login)."""
    response.set_cookie(
        COOKIE,
        secret,
        max_age=SESSION_HOURS * 3600,
        path="/console",
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


def message_page(request: web.Request, status: int, message: str) -> web.Response:
    return aiohttp_jinja2.render_template(
        "message.html", request, {"message": message, "me": None}, status=status
    )


@dataclass
class Visit:
    """One request of a signed-in staff member, inside its unit of work."""

    request: web.Request
    uow: UnitOfWork
    me: Current
    now: object

    def context(self, **values) -> dict:
        return {"me": self.me, **values}


Page = Callable[[Visit], Awaitable[web.StreamResponse]]


def signed_in(handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The page for whoever holds an open session (and, on a POST, its CSRF token); what
    the visit wrote (its last use, audit lines, refusals included) is committed."""

    async def page(request: web.Request) -> web.StreamResponse:
        services = request.app[SERVICES]
        now = services.clock.now()
        async with UnitOfWork.opened(services.sessionmaker) as uow:
            me = await current(uow, request.cookies.get(COOKIE, ""), now)
            if me is None:
                await uow.commit()  # an ended session stays ended
                raise Refused(401, texts.CONSOLE_LOGGED_OUT)
            if request.method == "POST":
                await _check_csrf(request, me)
            try:
                response = await handler(Visit(request, uow, me, now))
            except DomainError:
                await uow.commit()  # the refusal's audit line
                raise
            await uow.commit()
        return response

    return page


async def _check_csrf(request: web.Request, me: Current) -> None:
    form = await request.post()
    given = str(form.get("csrf", ""))
    if not me.csrf or not hmac.compare_digest(given.encode(), me.csrf.encode()):
        raise Refused(403, texts.CONSOLE_CSRF)

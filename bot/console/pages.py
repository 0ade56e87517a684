"""The console's pages: login from a one-time link (a button on a page, then a POST), the
ticket list, a ticket, exports."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlencode

import aiohttp
import aiohttp_jinja2
from aiohttp import web

from bot.console import flash
from bot.console.guard import COOKIE, HEADERS, SERVICES, Refused, Visit, set_session, signed_in
from bot.spreadsheets import SheetWriter, csv_text
from bot.wechat_api import ApiError
from config.settings import ConsoleOptions
from handlers import texts
from handlers.console import actions, export, listing, sessions
from handlers.console.sessions import LinkRefused
from nlu.categories import CATEGORIES
from storage.uow import UnitOfWork

OPTIONS = web.AppKey("console_options", ConsoleOptions)
TICKETS = "/console/tickets"
T = TypeVar("T")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
INVALID_MEDIA = 40007  # this API holds no such media_id (or no longer: 3 days)
log = logging.getLogger(__name__)
CHUNK = 256 * 1024  # bytes of a workbook sent at a time


async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound(TICKETS)


async def login_page(request: web.Request) -> web.StreamResponse:
    """The one-time link: a button to press, or why not (403/410). It spends nothing, so a
    link preview in WeCom or a scanner fetching the link leaves it good for the person."""
    token = request.query.get("token", "")
    await _with_link(request, token, sessions.check_link)
    return aiohttp_jinja2.render_template("login.html", request, {"token": token, "me": None})


async def login(request: web.Request) -> web.StreamResponse:
    """The button pressed: the link spent, a session cookie and on to the tickets (303).
    No CSRF token on this form: the one-time token it carries is itself the secret a forged
    form cannot know, and there is no session yet to ride on."""
    token = str((await request.post()).get("token", ""))
    opened = await _with_link(request, token, sessions.open_link)
    response = web.Response(status=303, headers={"Location": TICKETS})
    set_session(response, opened.secret, request.app[OPTIONS].secure_cookies)
    return response


async def _with_link(request: web.Request, token: str, use: Callable[..., Awaitable[T]]) -> T:
    """`use` (check or open) of the link `token`, committed; a refused link as its page."""
    services = request.app[SERVICES]
    async with UnitOfWork.opened(services.sessionmaker) as uow:
        try:
            done = await use(uow, token, services.dispatcher_ports.console, services.clock.now())
        except LinkRefused as refusal:
            raise Refused(refusal.status, str(refusal)) from None
        await uow.commit()
    return done


@signed_in
async def logout(visit: Visit) -> web.StreamResponse:
    await sessions.log_out(visit.uow, visit.request.cookies.get(COOKIE, ""), visit.now)
    response = aiohttp_jinja2.render_template(
        "message.html", visit.request, {"message": texts.CONSOLE_LOGGED_OUT, "me": None}
    )
    response.del_cookie(COOKIE, path="/console")
    return response


@signed_in
async def tickets(visit: Visit) -> web.StreamResponse:
    asked = listing.Asked.from_query(visit.request.query)
    found = await listing.list_tickets(visit.uow, visit.me.staff, asked, visit.now)
    return aiohttp_jinja2.render_template(
        "tickets.html",
        visit.request,
        visit.context(
            listing=found,
            wanted=asked.wanted,
            asked=asked,
            states=texts.STATE_NAMES,
            categories=[(c.id, c.name) for c in CATEGORIES],
            filters=_filters(asked),
            role=texts.roles_named(visit.me.staff.roles),
        ),
    )


def _filters(asked: listing.Asked) -> str:
    """The query string of the filters, for the paging and export links."""
    return urlencode(asked.as_query())


@signed_in
async def ticket(visit: Visit) -> web.StreamResponse:
    code = visit.request.match_info["code"]
    detail = await listing.ticket_page(visit.uow, visit.me.staff, code, visit.now)
    left = flash.take(visit.request, _flash_key(visit), _session(visit), detail.row.code)
    response = aiohttp_jinja2.render_template(
        "ticket.html",
        visit.request,
        visit.context(
            detail=detail,
            outcome=left,
            role=texts.roles_named(visit.me.staff.roles),
        ),
    )
    if flash.COOKIE in visit.request.cookies:
        flash.clear(response)  # shown once
    return response


@signed_in
async def act(visit: Visit) -> web.StreamResponse:
    """指派, 督办, 转派 or 上报 from the ticket's page (CSRF checked by the guard); back to the
    page (303) with what the chat would have answered."""
    action = visit.request.match_info["action"]
    spec = actions.ACTIONS.get(action)
    if spec is None:
        raise web.HTTPNotFound()
    given = str((await visit.request.post()).get(spec.needs, ""))
    services = visit.request.app[SERVICES]
    outcome = await actions.act(
        visit.uow,
        visit.me.staff,
        visit.request.match_info["code"],
        action,
        given,
        services.dispatcher_ports,
    )
    response = web.Response(status=303, headers={"Location": f"{TICKETS}/{outcome.code}"})
    secure = visit.request.app[OPTIONS].secure_cookies
    flash.leave(response, outcome, _flash_key(visit), _session(visit), secure)
    return response


@signed_in
async def photo(visit: Visit) -> web.StreamResponse:
    """A photo on a ticket in scope, fetched from WeChat (the resident's) or WeCom (a worker's)
    for the viewer: the page loads only gridbot's own addresses. WeChat keeps such media
    three days; after that, or when its API fails, a 404 that says so."""
    match = visit.request.match_info
    number = match["photo"]
    if not number.isdigit() or len(number) > 18:
        raise Refused(404, texts.CONSOLE_NOT_FOUND)
    media_id = await listing.photo_of(
        visit.uow, visit.me.staff, match["code"], int(number), visit.now
    )
    await visit.uow.commit()  # the audit stands even if WeChat does not answer
    senders = visit.request.app[SERVICES].senders
    for channel in ("mp", "work"):  # the resident's photo, else a worker's
        try:
            body, kind = await senders[channel].get_media(media_id, PHOTO_BYTES)
        except ApiError as error:
            if error.errcode == INVALID_MEDIA:
                continue
            log.warning("photo not fetched from %s: %s", channel, error.errcode)
            break
        except (aiohttp.ClientError, TimeoutError):
            log.warning("photo not fetched from %s: unreachable", channel)
            break
        if kind in PHOTO_TYPES:
            return web.Response(body=body, content_type=kind)  # no-store, as every page
        break
    raise Refused(404, texts.CONSOLE_PHOTO_GONE)


def _flash_key(visit: Visit) -> bytes:
    return visit.request.app[SERVICES].dispatcher_ports.console.key


def _session(visit: Visit) -> str:
    return visit.request.cookies.get(COOKIE, "")


@signed_in
async def export_csv(visit: Visit) -> web.StreamResponse:
    """Written as the batches are read: the memory of one batch, whatever the row count."""
    table = await _export(visit)
    response = await _download(visit.request, "text/csv; charset=utf-8", "tickets.csv")
    await response.write("\ufeff".encode())  # the BOM: Excel then reads it as UTF-8
    async for rows in table:
        await response.write(csv_text(rows).encode("utf-8"))
    await response.write_eof()
    return response


@signed_in
async def export_xlsx(visit: Visit) -> web.StreamResponse:
    """The workbook written to a temporary file batch by batch (in a thread: openpyxl is
    slow and synchronous), then sent from it in chunks."""
    table = await _export(visit)
    sheet = SheetWriter(texts.CONSOLE["tickets"])
    with tempfile.TemporaryFile() as file:
        async for rows in table:
            await asyncio.to_thread(sheet.append, rows)
        await asyncio.to_thread(sheet.save, file)
        response = await _download(visit.request, XLSX, "tickets.xlsx", file.tell())
        file.seek(0)
        while chunk := await asyncio.to_thread(file.read, CHUNK):
            await response.write(chunk)
    await response.write_eof()
    return response


async def _export(visit: Visit) -> AsyncIterator[list[list]]:
    """The table's batches, once the export's audit line is committed (a download cut off
    halfway stays audited); too many rows: a page saying how to narrow the filters."""
    asked = listing.Asked.from_query(visit.request.query)
    try:
        table = await export.export_rows(visit.uow, visit.me.staff, asked, visit.now)
    except export.TooManyToExport as refusal:
        await visit.uow.commit()
        raise Refused(400, str(refusal)) from None
    await visit.uow.commit()
    return table


async def _download(
    request: web.Request, content_type: str, name: str, length: int | None = None
) -> web.StreamResponse:
    """A streamed attachment, its headers (the console's own among them) sent now."""
    response = web.StreamResponse(headers={**HEADERS, "Content-Type": content_type})
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    if length is not None:
        response.content_length = length
    await response.prepare(request)
    return response


GETS = {
    "/": home,
    "/login": login_page,
    "/tickets": tickets,
    "/tickets.csv": export_csv,
    "/tickets.xlsx": export_xlsx,
    "/tickets/{code}": ticket,
    "/tickets/{code}/photos/{photo}": photo,
}
POSTS = {"/login": login, "/logout": logout, "/tickets/{code}/{action}": act}

"""Logging in with WeCom's own login: `/console/login` (without a one-time link's token) sends
the browser to WeCom, to the authorize page inside the WeCom app or to the QR login on a PC;
WeCom sends it back to `/console/login/callback` with a code, which the WeCom API turns into
a userid. `state` is a nonce bound to this browser by a signed ten-minute cookie, so a
callback that this browser did not start (a forged login) opens nothing."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from urllib.parse import quote, urlencode

import aiohttp
from aiohttp import web

from bot.console import pages
from bot.console.guard import SERVICES, Refused, message_page, set_session
from bot.wechat_api import ApiError
from handlers import texts
from handlers.console import wecom_login
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
STATE_COOKIE = "gridbot_console_state"
STATE_PATH = "/console/login"  # the callback is under it
STATE_SECONDS = 600
CALLBACK = "/console/login/callback"
INVALID_CODE = 40029
LONGEST_CODE = 512  # bytes, as WeCom documents the code


async def sign_in(request: web.Request) -> web.StreamResponse:
    """A one-time link's page when the address carries its token; else WeCom's login."""
    if "token" in request.query:
        return await pages.login_page(request)
    services = request.app[SERVICES]
    nonce = secrets.token_hex(16)  # WeCom takes a state of [a-zA-Z0-9], 128 bytes at most
    response = web.Response(status=302, headers={"Location": _wecom_url(request, nonce)})
    expires = int(services.clock.now().timestamp()) + STATE_SECONDS
    response.set_cookie(
        STATE_COOKIE,
        f"{nonce}.{expires}.{_mac(_key(request), nonce, expires)}",
        max_age=STATE_SECONDS,
        path=STATE_PATH,
        httponly=True,
        samesite="Lax",  # sent on WeCom's redirect back, a top-level GET
        secure=request.app[pages.OPTIONS].secure_cookies,
    )
    return response


def _wecom_url(request: web.Request, state: str) -> str:
    """WeCom's authorize page when the WeCom app opened the console (its browser says
    `wxwork`), else the QR login; the parameters as WeCom's documentation gives them."""
    settings, options = request.app[SERVICES].settings, request.app[pages.OPTIONS]
    corp, agent = settings.work_corpid, str(settings.work_agentid)
    back = request.app[SERVICES].dispatcher_ports.console.base_url + CALLBACK
    if "wxwork" in request.headers.get("User-Agent", "").lower():
        query = {
            "appid": corp,
            "redirect_uri": back,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
            "agentid": agent,
        }
        address = f"{options.oauth_base}/connect/oauth2/authorize"
        return f"{address}?{urlencode(query, quote_via=quote)}#wechat_redirect"
    query = {
        "login_type": "CorpApp",
        "appid": corp,
        "agentid": agent,
        "redirect_uri": back,
        "state": state,
    }
    return f"{options.qr_login_base}/wwlogin/sso/login?{urlencode(query, quote_via=quote)}"


async def callback(request: web.Request) -> web.StreamResponse:
    """WeCom's redirect back: the state checked, the code turned into a userid, a session
    for that staff member if on duty (303 to the tickets); else a page saying why. The
    state cookie is spent either way."""
    try:
        response = await _signed_in(request)
    except Refused as refusal:
        response = message_page(request, refusal.status, refusal.message)
    response.del_cookie(STATE_COOKIE, path=STATE_PATH)
    return response


async def _signed_in(request: web.Request) -> web.StreamResponse:
    _check_state(request)
    code = request.query.get("code", "")
    if not code:  # the person said no in WeCom: WeCom comes back with the state only
        raise Refused(403, texts.CONSOLE_WECOM_DENIED)
    services = request.app[SERVICES]
    async with UnitOfWork.opened(services.sessionmaker) as uow:
        try:
            userid = wecom_login.identity(await _who(request, code))
            opened = await wecom_login.open_session(uow, userid, services.clock.now())
        except wecom_login.LoginRefused as refusal:
            raise Refused(refusal.status, str(refusal)) from None
        await uow.commit()
    response = web.Response(status=303, headers={"Location": pages.TICKETS})
    set_session(response, opened.secret, request.app[pages.OPTIONS].secure_cookies)
    return response


def _check_state(request: web.Request) -> None:
    nonce, _, rest = request.cookies.get(STATE_COOKIE, "").partition(".")
    expires, _, mac = rest.partition(".")
    now = request.app[SERVICES].clock.now().timestamp()
    given = request.query.get("state", "")
    fine = (
        nonce
        and expires.isdigit()
        and len(expires) <= 12  # seconds since 1970, not a number too long to read
        and hmac.compare_digest(mac.encode(), _mac(_key(request), nonce, int(expires)).encode())
        and now < int(expires)
        and hmac.compare_digest(given.encode(), nonce.encode())
    )
    if not fine:
        raise Refused(403, texts.CONSOLE_WECOM_STATE)


async def _who(request: web.Request, code: str) -> dict:
    """WeCom's getuserinfo answer for `code`; a refusal when WeCom refuses the code or
    cannot be reached (the person may try again, or use a one-time link)."""
    if len(code.encode()) > LONGEST_CODE:
        raise wecom_login.LoginRefused(texts.CONSOLE_WECOM_CODE, 403)
    try:
        return await request.app[SERVICES].senders["work"].user_of_code(code)
    except ApiError as error:
        if error.errcode == INVALID_CODE:
            raise wecom_login.LoginRefused(texts.CONSOLE_WECOM_CODE, 403) from None
        log.warning("WeCom login: getuserinfo failed: %s", error)
        raise wecom_login.LoginRefused(texts.CONSOLE_WECOM_UNAVAILABLE, 503) from None
    except (TimeoutError, aiohttp.ClientError) as error:
        log.warning("WeCom login: getuserinfo unreachable: %s", type(error).__name__)
        raise wecom_login.LoginRefused(texts.CONSOLE_WECOM_UNAVAILABLE, 503) from None


def _key(request: web.Request) -> bytes:
    return request.app[SERVICES].dispatcher_ports.console.key


def _mac(key: bytes, nonce: str, expires: int) -> str:
    message = f"console oauth state\0{nonce}\0{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


GETS = {"/login": sign_in, "/login/callback": callback}

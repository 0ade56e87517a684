"""The sentence an action's POST leaves for the page it redirects to (303): a short-lived
cookie, signed and bound to the session, read once by that ticket's page."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from aiohttp import web

from handlers.console.actions import Outcome

COOKIE = "gridbot_console_flash"
PATH = "/console/tickets"
MAX_AGE = 120  # seconds: the redirect follows at once


def leave(
    response: web.StreamResponse,
    outcome: Outcome,
    key: bytes,
    session: str,
    secure: bool,
    path: str = PATH,
):
    """The outcome, for the next page under `path` (the ticket pages, or the staff pages)."""
    payload = json.dumps(
        {"code": outcome.code, "text": outcome.text, "done": outcome.done}, ensure_ascii=False
    )
    body = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    response.set_cookie(
        COOKIE,
        f"{body}.{_mac(key, session, body)}",
        max_age=MAX_AGE,
        path=path,
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


def take(request: web.Request, key: bytes, session: str, code: str) -> Outcome | None:
    """The outcome left for the ticket `code` in this session, if any (else None)."""
    body, _, mac = request.cookies.get(COOKIE, "").partition(".")
    if not body or not hmac.compare_digest(mac.encode(), _mac(key, session, body).encode()):
        return None
    try:
        found = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        outcome = Outcome(str(found["code"]), str(found["text"]), bool(found["done"]))
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None
    return outcome if outcome.code == code else None


def clear(response: web.StreamResponse, path: str = PATH) -> None:
    response.del_cookie(COOKIE, path=path)


def _mac(key: bytes, session: str, body: str) -> str:
    message = b"console flash\0" + session.encode() + b"\0" + body.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]

"""Logging in to the web console with a WeCom identity: the staff command `控制台` gives a
signed one-time link; opening it shows a button, and pressing that starts a session. Only
SHA-256 hashes of the link and the session's cookie are stored, so a copy of the database
opens nothing."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from handlers import texts
from handlers.chat.verbs import Command
from handlers.errors import DomainError
from storage.models import ConsoleSession, Staff
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from handlers.ports import Ports

LINK_LIFETIME = timedelta(minutes=10)
IDLE_LIMIT = timedelta(minutes=30)
SESSION_HOURS = 8
LONGEST = timedelta(hours=SESSION_HOURS)
SEEN_STEP = timedelta(minutes=1)  # a session's last use is written at most this often
LOGIN_PATH = "/console/login"


class LinkRefused(DomainError):
    """A login link that opens nothing; `status` 403 (forged) or 410 (used or expired)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ConsoleLinks:
    """Makes and checks the links: `base_url` is GRIDBOT_PUBLIC_URL; `key` signs them."""

    base_url: str
    key: bytes

    def new_token(self) -> str:
        nonce = secrets.token_urlsafe(24)
        return f"{nonce}.{self._mac(nonce)}"

    def signed(self, token: str) -> bool:
        nonce, _, mac = token.partition(".")
        return bool(nonce) and hmac.compare_digest(mac.encode(), self._mac(nonce).encode())

    def url(self, token: str) -> str:
        return f"{self.base_url}{LOGIN_PATH}?token={token}"

    def _mac(self, nonce: str) -> str:
        return hmac.new(self.key, nonce.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Opened:
    secret: str  # the cookie's value
    csrf: str


@dataclass(frozen=True)
class Current:
    staff: Staff
    csrf: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def console_link(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    """控制台: a one-time link to the web console, for this staff member."""
    if ports.console is None:
        return texts.CONSOLE_UNAVAILABLE
    url = issue_link(uow, staff, ports.console, ports.clock.now())
    return texts.CONSOLE_LINK.format(url=url)


def issue_link(uow: UnitOfWork, staff: Staff, links: ConsoleLinks, now: datetime) -> str:
    """A new one-time link for `staff`, valid for ten minutes."""
    token = links.new_token()
    uow.console.add_link(staff.id, digest(token), now, now + LINK_LIFETIME)
    return links.url(token)


async def check_link(
    uow: UnitOfWork, token: str, links: ConsoleLinks, now: datetime
) -> ConsoleSession:
    """The unused link of an on-duty staff member that `token` is; a LinkRefused otherwise.
    Reads only: opening the link in a browser (or a preview fetching it) spends nothing."""
    if len(token) > 200 or not links.signed(token):
        raise LinkRefused(texts.CONSOLE_LINK_FORGED, 403)
    link = await uow.console.link(digest(token))
    if link is None:
        raise LinkRefused(texts.CONSOLE_LINK_FORGED, 403)
    if link.opened_at is not None:
        raise LinkRefused(texts.CONSOLE_LINK_USED, 410)
    if link.expires_at <= now:
        raise LinkRefused(texts.CONSOLE_LINK_EXPIRED, 410)
    staff = await uow.people.staff_by_id(link.staff_id)
    if staff is None or not staff.active:
        raise LinkRefused(texts.CONSOLE_OFF_DUTY, 403)
    return link


async def open_link(uow: UnitOfWork, token: str, links: ConsoleLinks, now: datetime) -> Opened:
    """The session a valid link opens, once; a LinkRefused otherwise."""
    link = await check_link(uow, token, links, now)
    opened = Opened(secrets.token_urlsafe(32), secrets.token_urlsafe(24))
    if not await uow.console.spend_link(link.id, digest(opened.secret), opened.csrf, now):
        raise LinkRefused(texts.CONSOLE_LINK_USED, 410)
    return opened


async def current(uow: UnitOfWork, secret: str, now: datetime) -> Current | None:
    """Whose session the cookie is, if it is still open: used within 30 minutes, opened
    within 8 hours, and its staff member on duty now (else it ends here)."""
    found = await uow.console.session_of(digest(secret)) if secret else None
    if found is None:
        return None
    session, staff = found
    if not staff.active or not _fresh(session.opened_at, session.last_seen_at, now):
        session.ended_at = now
        return None
    if now - session.last_seen_at >= SEEN_STEP:
        session.last_seen_at = now
    return Current(staff, session.csrf or "")


def _fresh(opened: datetime, seen: datetime, now: datetime) -> bool:
    return now - seen < IDLE_LIMIT and now - opened < LONGEST


async def log_out(uow: UnitOfWork, secret: str, now: datetime) -> None:
    await uow.console.end_session(digest(secret), now)

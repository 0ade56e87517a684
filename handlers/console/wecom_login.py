"""Logging in to the web console through WeCom's own login (OAuth in the WeCom app, the QR
login on a PC): WeCom says who the person is; the console lets them in only if that userid is
a staff member on duty, and opens the same kind of session as a one-time link does."""

from __future__ import annotations

import secrets
from datetime import datetime

from handlers import texts
from handlers.console.sessions import LinkRefused, Opened, digest
from storage.uow import UnitOfWork


class LoginRefused(LinkRefused):
    """WeCom's answer lets nobody in: `status` 403 (not ours, not on duty) or 503."""


def identity(answer: dict) -> str:
    """The member's userid in WeCom's getuserinfo answer; someone outside the corp (WeCom
    answers an `openid` instead) is refused."""
    userid = answer.get("userid")
    if not isinstance(userid, str) or not userid:
        raise LoginRefused(texts.CONSOLE_WECOM_OUTSIDER, 403)
    return userid


async def open_session(uow: UnitOfWork, userid: str, now: datetime) -> Opened:
    """A session for the staff member with this WeCom userid, if they are on duty."""
    staff = await uow.people.staff(userid, off_duty_too=True)
    if staff is None:
        raise LoginRefused(texts.CONSOLE_WECOM_UNKNOWN, 403)
    if not staff.active:
        raise LoginRefused(texts.CONSOLE_OFF_DUTY, 403)
    opened = Opened(secrets.token_urlsafe(32), secrets.token_urlsafe(24))
    uow.console.add_session(staff.id, digest(opened.secret), opened.csrf, now)
    return opened

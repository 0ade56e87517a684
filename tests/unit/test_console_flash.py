"""The one-time confirmation an action leaves for the ticket's page: read back only by the
session it was left in, for the ticket it is about, and untouched."""

from __future__ import annotations

from types import SimpleNamespace

from aiohttp import web

from bot.console import flash
from handlers.console.actions import Outcome

KEY = b"k" * 32
DONE = Outcome("GB-ABCD", "工单 GB-ABCD 已指派给 赵小燕。", done=True)


def left(outcome: Outcome = DONE, session: str = "session-a") -> str:
    response = web.Response(status=303)
    flash.leave(response, outcome, KEY, session, secure=True)
    cookie = response.cookies[flash.COOKIE]
    assert cookie["httponly"] and cookie["secure"] and cookie["path"] == flash.PATH
    return cookie.value


def taken(value: str, session: str = "session-a", code: str = "GB-ABCD") -> Outcome | None:
    request = SimpleNamespace(cookies={flash.COOKIE: value})
    return flash.take(request, KEY, session, code)


def test_the_outcome_comes_back_for_its_session_and_ticket():
    assert taken(left()) == DONE


def test_another_session_another_ticket_or_a_changed_cookie_reads_nothing():
    value = left()
    body, _, mac = value.partition(".")

    assert taken(value, session="session-b") is None
    assert taken(value, code="GB-WXYZ") is None
    assert taken(body[:-2] + "AA." + mac) is None
    assert taken("garbage") is None and taken("") is None

"""Logging in to the web console with a WeCom identity: `控制台` on WeCom gives a one-time
link; opening it shows a 进入控制台 button and spends nothing (a link preview or a scanner
fetching it leaves it good), pressing the button spends it; reused, expired or forged links
are refused with a page saying why; a session ends when its staff member goes off duty, after
30 idle minutes and after 8 hours; POSTs other than the login's need the CSRF token.

The demo county (config/demo): liminghua 李明华 is 东关一网格's grid worker."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.cli import staff
from handlers.policy import Policy
from tests.console import (
    browser,
    forms_of,
    link_for,
    login_form,
    press_enter,
    signed_in,
)

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
LOGIN_POST = "/console/login"


async def test_a_worker_follows_the_link_from_wecom_and_sees_the_ticket_list(console):
    async with browser() as http:
        page = await signed_in(console, http, "liminghua")

    assert "李明华" in page and "网格通控制台" in page and "共 0 张" in page


async def test_opening_the_link_shows_a_button_and_sets_no_cookie(console):
    link = await link_for(console, "liminghua")

    async with browser() as http, http.get(link) as response:
        page = await response.text()
        [form] = forms_of(page)
        async with http.get(f"{console.base}/console/tickets") as after:
            still_out = after.status

    assert response.status == 200 and "进入网格通控制台" in page
    assert form.method == "post" and form.action == LOGIN_POST and form.buttons == ["进入控制台"]
    assert "Set-Cookie" not in response.headers and "<script" not in page
    assert still_out == 401


async def test_a_link_fetched_twice_by_a_preview_still_lets_the_person_in(console):
    link = await link_for(console, "liminghua")
    for _ in range(2):  # WeCom's link preview, a security scanner
        async with browser() as prefetcher, prefetcher.get(link) as fetched:
            assert fetched.status == 200 and "Set-Cookie" not in fetched.headers

    async with browser() as person:
        response = await press_enter(person, link)
        page = await response.text()

    assert response.status == 200 and response.url.path == "/console/tickets"
    assert "李明华" in page


async def test_a_link_opens_one_session_only(console):
    link = await link_for(console, "liminghua")
    async with browser() as first:
        action, fields = await login_form(first, link)
        await press_enter(first, link)
    async with browser() as second:
        async with second.get(link) as again:
            page = await again.text()
        async with second.post(action, data=fields) as pressed_again:
            pressed_page = await pressed_again.text()

    assert again.status == 410 and "已经用过" in page and "李明华" not in page
    assert pressed_again.status == 410 and "已经用过" in pressed_page
    assert "李明华" not in pressed_page


async def test_a_button_pressed_four_times_at_once_opens_one_session(console):
    link = await link_for(console, "liminghua")
    async with browser() as http:
        action, fields = await login_form(http, link)

    async def press() -> int:
        async with browser() as http, http.post(action, data=fields) as response:
            return response.status

    statuses = await asyncio.gather(*(press() for _ in range(4)))

    assert sorted(statuses) == [200, 410, 410, 410]


async def test_a_link_older_than_ten_minutes_is_refused(console, clock):
    link = await link_for(console, "liminghua")
    clock.advance(minutes=10, seconds=1)

    async with browser() as http, http.get(link) as response:
        page = await response.text()

    assert response.status == 410 and "超过 10 分钟" in page


async def test_a_button_pressed_after_ten_minutes_is_refused(console, clock):
    link = await link_for(console, "liminghua")
    async with browser() as http:
        action, fields = await login_form(http, link)
        clock.advance(minutes=10, seconds=1)
        async with http.post(action, data=fields) as response:
            page = await response.text()
        async with http.get(f"{console.base}/console/tickets") as after:
            still_out = after.status

    assert response.status == 410 and "超过 10 分钟" in page
    assert still_out == 401


@pytest.mark.parametrize(
    "token", ["", "nonsense", "abc.def", "a" * 5000, "<script>alert(1)</script>", "x.%00"]
)
async def test_a_forged_link_is_refused_with_a_page_not_an_error(console, token):
    async with browser() as http:
        async with http.get(f"{console.base}/console/login", params={"token": token}) as response:
            page = await response.text()
        async with http.get(f"{console.base}/console/tickets") as after:
            still_out = after.status

    assert response.status == 403 and "链接无效" in page
    assert "<script>alert" not in page
    assert still_out == 401


@pytest.mark.parametrize(
    "form", [{}, {"token": ""}, {"token": "nonsense"}, {"token": "a" * 5000}, {"csrf": "x"}]
)
async def test_a_forged_login_form_is_refused_with_a_page(console, form):
    async with browser() as http:
        async with http.post(f"{console.base}{LOGIN_POST}", data=form) as response:
            page = await response.text()
        async with http.get(f"{console.base}/console/tickets") as after:
            still_out = after.status

    assert response.status == 403 and "链接无效" in page
    assert "Set-Cookie" not in response.headers and still_out == 401


async def test_a_forged_signature_on_a_real_nonce_is_refused(console):
    link = await link_for(console, "liminghua")
    nonce = link.partition("token=")[2].partition(".")[0]

    async with browser() as http:
        async with http.get(f"{console.base}/console/login?token={nonce}.{'0' * 32}") as forged:
            assert forged.status == 403
        real = await press_enter(http, link)  # the real link is still good
        assert real.status == 200 and real.url.path == "/console/tickets"


async def test_staff_taken_off_duty_lose_their_session_at_once(console):
    async with browser() as http:
        await signed_in(console, http, "liminghua")
        async with console.services.sessionmaker() as session:
            await staff.off_duty(session, "liminghua", Policy())

        async with http.get(f"{console.base}/console/tickets") as response:
            page = await response.text()

    assert response.status == 401 and "尚未登录" in page and "李明华" not in page


async def test_a_link_of_staff_gone_off_duty_since_opens_nothing(console):
    link = await link_for(console, "liminghua")
    async with console.services.sessionmaker() as session:
        await staff.off_duty(session, "liminghua", Policy())

    async with browser() as http, http.get(link) as response:
        page = await response.text()

    assert response.status == 403 and "不在网格通的在岗人员名单中" in page


async def test_a_button_pressed_after_going_off_duty_opens_nothing(console):
    link = await link_for(console, "liminghua")
    async with browser() as http:
        action, fields = await login_form(http, link)
        async with console.services.sessionmaker() as session:
            await staff.off_duty(session, "liminghua", Policy())
        async with http.post(action, data=fields) as response:
            page = await response.text()

    assert response.status == 403 and "不在网格通的在岗人员名单中" in page


async def test_staff_off_duty_by_a_reimport_lose_their_session_too(console):
    async with browser() as http:
        await signed_in(console, http, "liminghua")
        async with console.services.sessionmaker() as session:
            await session.execute(
                staff_table().update().where(staff_table().c.userid == "liminghua"),
                {"active": False, "off_duty_by": "import"},
            )
            await session.commit()

        async with http.get(f"{console.base}/console/tickets") as response:
            assert response.status == 401


def staff_table():
    from storage.models import Staff

    return Staff.__table__


async def test_a_session_ends_after_thirty_idle_minutes(console, clock):
    async with browser() as http:
        await signed_in(console, http, "liminghua")
        clock.advance(minutes=29)
        async with http.get(f"{console.base}/console/tickets") as used:
            assert used.status == 200
        clock.advance(minutes=30)
        async with http.get(f"{console.base}/console/tickets") as idle:
            assert idle.status == 401


async def test_a_session_ends_after_eight_hours_however_busy(console, clock):
    async with browser() as http:
        await signed_in(console, http, "liminghua")
        for _ in range(16):
            clock.advance(minutes=29)
            async with http.get(f"{console.base}/console/tickets") as used:
                assert used.status == 200
        clock.advance(minutes=29)
        async with http.get(f"{console.base}/console/tickets") as late:
            assert late.status == 401


async def test_logout_without_the_csrf_token_is_refused_and_with_it_ends_the_session(console):
    async with browser() as http:
        page = await signed_in(console, http, "liminghua")
        token = CSRF.search(page).group(1)
        async with http.post(f"{console.base}/console/logout", data={}) as bare:
            assert bare.status == 403 and "页面已过期" in await bare.text()
        async with http.post(f"{console.base}/console/logout", data={"csrf": "x"}) as wrong:
            assert wrong.status == 403
        async with http.get(f"{console.base}/console/tickets") as still:
            assert still.status == 200

        async with http.post(f"{console.base}/console/logout", data={"csrf": token}) as out:
            assert out.status == 200
        async with http.get(f"{console.base}/console/tickets") as after:
            assert after.status == 401


async def test_the_session_cookie_is_httponly_lax_and_secure_by_default(stack):
    link = await link_for(stack, "liminghua")

    async with browser() as http:
        response = await press_enter(http, link, allow_redirects=False)
        cookie = response.headers["Set-Cookie"]

    assert response.status == 303 and response.headers["Location"] == "/console/tickets"
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


async def test_every_console_page_sends_a_self_only_content_security_policy(console):
    link = await link_for(console, "liminghua")
    async with browser() as http:
        await signed_in(console, http, "liminghua")
        paths = (
            link.removeprefix(console.base),  # the login page, its token in a form
            "/console/tickets",
            "/console/login?token=x",
            "/console/tickets/GB-NONE",
            "/console/nowhere",
        )
        for path in paths:
            async with http.get(f"{console.base}{path}") as response:
                policy = response.headers["Content-Security-Policy"]
                assert "default-src 'self'" in policy and "http" not in policy
                assert "unsafe-inline" not in policy
                assert response.headers["Referrer-Policy"] == "no-referrer"
                assert response.headers["Cache-Control"] == "no-store"
        async with http.get(f"{console.base}/console/static/console.css") as css:
            assert css.status == 200 and "text/css" in css.headers["Content-Type"]


async def test_a_stranger_asking_for_the_console_on_wecom_gets_no_link(console):
    reply = await console.staff_says("nobody_here", "控制台")

    assert "/console/login" not in reply


async def test_the_console_address_leads_to_the_ticket_list(console):
    async with browser() as http:
        await signed_in(console, http, "liminghua")
        for path in ("/console", "/console/"):
            async with http.get(f"{console.base}{path}") as response:
                assert response.status == 200 and response.url.path == "/console/tickets"
        async with http.get(f"{console.base}/console/nowhere") as missing:
            assert missing.status == 404 and "没有找到这个页面" in await missing.text()

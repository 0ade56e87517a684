"""Logging in with WeCom's own login, over real HTTP, with the fake WeCom answering the
authorize page, the QR login and auth/getuserinfo as the real one does: `/console/login`
sends the WeCom app to the authorize page and a PC to the QR login, WeCom comes back to
`/console/login/callback` with a code, and the code's userid gets a session only if it is a
staff member on duty; a callback this browser did not start, a code used before, someone
outside the corp, someone not on the roster or off duty, and WeCom being down each get a
Chinese page with a 4xx (503 for WeCom down), never a session.

The demo county (config/demo): liminghua 李明华 is 东关一网格's grid worker."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from bot.cli import staff
from handlers.policy import Policy
from tests.console import PLAIN_HTTP, browser
from tests.stack import running_stack

WECOM_APP = {"User-Agent": "Mozilla/5.0 (iPhone) MicroMessenger/8.0 wxwork/4.1.30 Language/zh"}
PC = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0 Safari/537.36"}
TICKETS = "/console/tickets"


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


async def wecom_login(console, http, headers=WECOM_APP):
    """Opens /console/login and follows every redirect, as a browser does; the last page."""
    async with http.get(f"{console.base}/console/login", headers=headers) as response:
        await response.read()
    return response


async def started(console, http) -> str:
    """Opens /console/login without following WeCom: the state WeCom is asked to bring back."""
    async with http.get(
        f"{console.base}/console/login", headers=WECOM_APP, allow_redirects=False
    ) as response:
        assert response.status == 302
    return query_of(response.headers["Location"])["state"]


async def callback(console, http, **query):
    async with http.get(f"{console.base}/console/login/callback", params=query) as response:
        return response, await response.text()


async def test_in_the_wecom_app_the_worker_goes_through_wecom_and_sees_the_tickets(console):
    console.fake.sign_in("liminghua")

    async with browser() as http:
        response = await wecom_login(console, http)
        page = await response.text()
        to_wecom, back, _ = [hop.headers["Location"] for hop in response.history]

    assert response.status == 200 and response.url.path == TICKETS
    assert "李明华" in page and "网格通控制台" in page
    assert urlsplit(to_wecom).path == "/connect/oauth2/authorize"
    assert to_wecom.endswith("#wechat_redirect")
    asked = query_of(to_wecom)
    assert asked["appid"] == console.services.settings.work_corpid
    assert asked["agentid"] == str(console.services.settings.work_agentid)
    assert asked["response_type"] == "code" and asked["scope"] == "snsapi_base"
    assert asked["redirect_uri"] == f"{console.base}/console/login/callback"
    assert back.startswith(f"{console.base}/console/login/callback?code=")
    assert query_of(back)["state"] == asked["state"]


async def test_on_a_pc_the_worker_goes_through_the_wecom_qr_login(console):
    console.fake.sign_in("liminghua")

    async with browser() as http:
        response = await wecom_login(console, http, headers=PC)
        page = await response.text()
        to_wecom = response.history[0].headers["Location"]

    assert response.status == 200 and response.url.path == TICKETS and "李明华" in page
    assert urlsplit(to_wecom).path == "/wwlogin/sso/login"
    asked = query_of(to_wecom)
    assert asked["login_type"] == "CorpApp"
    assert asked["appid"] == console.services.settings.work_corpid
    assert asked["agentid"] == str(console.services.settings.work_agentid)
    assert asked["redirect_uri"] == f"{console.base}/console/login/callback"


async def test_wecom_is_asked_to_come_back_to_the_public_url(seeded_url, clock):
    sections = {"console": {**PLAIN_HTTP["console"], "oauth_base": "https://wecom.test"}}
    async with (
        running_stack(seeded_url, clock, sections, public_url="https://grid.example.cn/") as stack,
        browser() as http,
        http.get(
            f"{stack.base}/console/login", headers=WECOM_APP, allow_redirects=False
        ) as response,
    ):
        location = response.headers["Location"]

    assert location.startswith("https://wecom.test/connect/oauth2/authorize?appid=")
    assert "redirect_uri=https%3A%2F%2Fgrid.example.cn%2Fconsole%2Flogin%2Fcallback&" in location
    assert query_of(location)["state"].isalnum()


async def test_a_callback_this_browser_did_not_start_opens_nothing(console):
    """An attacker's own login, handed to someone else: the state is not this browser's."""
    console.fake.sign_in("liminghua")
    async with browser() as attacker:
        state = await started(console, attacker)
    async with browser() as other:
        mine = await started(console, other)
        response, page = await callback(console, other, code="anything", state=state)
        forged_state, _ = await callback(console, other, code="anything", state="0" * 32)
        async with other.get(f"{console.base}{TICKETS}") as after:
            still_out = after.status
    async with browser() as fresh:
        no_cookie, _ = await callback(console, fresh, code="anything", state=mine)

    assert response.status == 403 and "不是从这个浏览器发起" in page
    assert forged_state.status == 403 and no_cookie.status == 403
    assert still_out == 401


@pytest.mark.parametrize(
    "cookie", ["", "x", "a.b.c", "a." + "9" * 5000 + ".c", "<script>.1.2", "%00.%00.%00"]
)
async def test_a_forged_state_cookie_gets_a_page_not_an_error(console, cookie):
    async with (
        browser() as http,
        http.get(
            f"{console.base}/console/login/callback",
            params={"code": "anything", "state": cookie.partition(".")[0]},
            headers={"Cookie": f"gridbot_console_state={cookie}"},
        ) as response,
    ):
        page = await response.text()

    assert response.status == 403 and "不是从这个浏览器发起" in page and "<script>." not in page


async def test_a_login_left_for_more_than_ten_minutes_is_refused(console, clock):
    console.fake.sign_in("liminghua")
    async with browser() as http:
        state = await started(console, http)
        clock.advance(minutes=10, seconds=1)
        response, page = await callback(console, http, code="anything", state=state)

    assert response.status == 403 and "超过 10 分钟" in page


async def test_a_code_used_once_does_not_open_a_second_session(console):
    console.fake.sign_in("liminghua")
    async with browser() as first:
        done = await wecom_login(console, first)
        code = query_of(done.history[1].headers["Location"])["code"]
    async with browser() as second:
        state = await started(console, second)
        response, page = await callback(console, second, code=code, state=state)
        async with second.get(f"{console.base}{TICKETS}") as after:
            still_out = after.status

    assert done.url.path == TICKETS
    assert response.status == 403 and "登录凭证无效或已经用过" in page and "李明华" not in page
    assert still_out == 401


async def test_someone_outside_the_corp_is_refused(console):
    console.fake.sign_in(openid="oAbCdEfG_outsider")

    async with browser() as http:
        response = await wecom_login(console, http)
        page = await response.text()

    assert response.status == 403 and "不是本单位企业微信的成员" in page


async def test_a_wecom_member_not_on_the_roster_is_refused(console):
    console.fake.sign_in("stranger01")

    async with browser() as http:
        response = await wecom_login(console, http, headers=PC)
        page = await response.text()

    assert response.status == 403 and "不在网格通的人员名单中" in page


async def test_staff_off_duty_are_refused(console):
    async with console.services.sessionmaker() as session:
        await staff.off_duty(session, "liminghua", Policy())
    console.fake.sign_in("liminghua")

    async with browser() as http:
        response = await wecom_login(console, http)
        page = await response.text()
        async with http.get(f"{console.base}{TICKETS}") as after:
            still_out = after.status

    assert response.status == 403 and "不在网格通的在岗人员名单中" in page
    assert still_out == 401


async def test_saying_no_in_wecom_comes_back_without_a_code_and_opens_nothing(console):
    async with browser() as http:
        state = await started(console, http)
        response, page = await callback(console, http, state=state)

    assert response.status == 403 and "没有在企业微信中同意登录" in page


async def test_the_state_is_spent_by_its_callback(console):
    console.fake.sign_in("liminghua")
    async with browser() as http:
        state = await started(console, http)
        refused, _ = await callback(console, http, code="bad", state=state)
        again, page = await callback(console, http, code="bad", state=state)

    assert refused.status == 403 and again.status == 403 and "不是从这个浏览器发起" in page


@pytest.mark.parametrize(
    "failure",
    [{"errcode": -1, "errmsg": "system busy"}, {"errcode": 60020, "errmsg": "not allow ip"}],
)
async def test_wecom_failing_gets_a_page_saying_try_again(console, failure):
    console.fake.sign_in("liminghua")
    console.fake.fail_next.append(failure)

    async with browser() as http:
        response = await wecom_login(console, http)
        page = await response.text()

    assert response.status == 503 and "暂时无法连接企业微信" in page


async def test_a_code_longer_than_wecom_makes_is_refused_without_asking_it(console):
    async with browser() as http:
        state = await started(console, http)
        response, page = await callback(console, http, code="x" * 600, state=state)

    assert response.status == 403 and "登录凭证无效" in page
    assert console.fake.token_fetches["work"] == 0


async def test_a_session_from_wecom_ends_when_its_staff_member_goes_off_duty(console):
    console.fake.sign_in("liminghua")
    async with browser() as http:
        done = await wecom_login(console, http)
        async with console.services.sessionmaker() as session:
            await staff.off_duty(session, "liminghua", Policy())
        async with http.get(f"{console.base}{TICKETS}") as after:
            page = await after.text()

    assert done.url.path == TICKETS
    assert after.status == 401 and "李明华" not in page

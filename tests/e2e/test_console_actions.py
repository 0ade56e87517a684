"""指派, 督办, 转派 and 上报 from a ticket's page: the forms a browser sees, posted with their
CSRF token, go through the chat commands' use cases — the same rules, the same WeCom notices,
the same trail and refusal texts — and come back (303) to the page with what chat answers.

The demo county (config/demo): liminghua 李明华 works 东关一网格, zhaoxiaoyan 赵小燕 东关二网格,
both under supervisor zhouhaitao 周海涛 (东关社区); chenzhiqiang 陈志强 supervises 清泉街道;
hanlei 韩磊 takes public security in 东关社区; 西苑一网格 is outside 东关社区."""

from __future__ import annotations

from urllib.parse import urljoin

import aiohttp
import pytest

from storage.uow import UnitOfWork
from tests.console import Form, browser, forms_of, signed_in
from tests.desk import (
    DISPUTE,
    GARBAGE,
    TRAFFIC_LIGHT,
    assignee_of,
    new_messages,
    report,
    ticket_of,
    trail,
)

THIRD = "o_third_resident"
VERBS = {"assign": "指派", "urge": "督办", "transfer": "转派", "escalate": "上报"}


async def page_of(console, http: aiohttp.ClientSession, code: str) -> str:
    async with http.get(f"{console.base}/console/tickets/{code}") as response:
        assert response.status == 200, await response.text()
        return await response.text()


def action_forms(html: str) -> dict[str, Form]:
    """The page's action forms by their button (指派, 督办, …)."""
    return {form.buttons[0]: form for form in forms_of(html) if form.buttons[0] in VERBS.values()}


async def press(console, http, code: str, verb: str, text: str) -> str:
    """Fills the page's `verb` form with `text` and submits it, as a browser would: the page
    it is sent back to (after a 303)."""
    form = action_forms(await page_of(console, http, code))[verb]
    field = next(name for name in form.fields if name != "csrf")
    url = urljoin(f"{console.base}/console/tickets/{code}", form.action)
    async with http.post(url, data={**form.fields, field: text}) as response:
        assert response.status == 200 and response.history[0].status == 303
        assert response.url.path == f"/console/tickets/{code}"
        return await response.text()


async def acting(console, userid: str, code: str, verb: str, text: str) -> str:
    async with browser() as http:
        await signed_in(console, http, userid)
        return await press(console, http, code, verb, text)


async def audited(console, userid: str) -> set[tuple[str, str, str]]:
    async with UnitOfWork.opened(console.services.sessionmaker) as uow:
        entries = await uow.registry.audit_entries(f"staff:{userid}")
    return {(e.action, e.target, e.outcome) for e in entries}


async def heard(console, userid: str) -> int:
    await console.drain()
    return len(console.fake.to(userid))


async def test_a_supervisor_assigns_a_ticket_and_the_new_assignee_hears_on_wecom(console):
    code = await report(console, "东关一网格", GARBAGE)  # routed to 李明华
    before = {who: await heard(console, who) for who in ("zhaoxiaoyan", "liminghua")}

    page = await acting(console, "zhouhaitao", code, "指派", "zhaoxiaoyan")

    assert f"工单 {code} 已指派给 赵小燕。" in page  # the chat's own reply
    assert await assignee_of(console, code) == "zhaoxiaoyan"
    [notice] = await new_messages(console, "zhaoxiaoyan", before["zhaoxiaoyan"])
    assert code in notice and f"接单 {code}" in notice
    [told] = await new_messages(console, "liminghua", before["liminghua"])
    assert "周海涛" in told and "赵小燕" in told and "不用再办理" in told
    assert ("staff:zhouhaitao", "assign", "zhaoxiaoyan") in await trail(console, code)
    assert ("assign", code, "allowed") in await audited(console, "zhouhaitao")
    assert "赵小燕" in page.split("办理记录")[0]  # the handler shown on the page


async def test_urging_from_the_page_messages_the_assignee(console):
    code = await report(console, "东关一网格", GARBAGE)
    before = await heard(console, "liminghua")

    page = await acting(console, "zhouhaitao", code, "督办", "今天下班前务必清运")

    assert f"已督办工单 {code}，已通知 李明华。" in page
    [urged] = await new_messages(console, "liminghua", before)
    assert code in urged and "周海涛" in urged and "今天下班前务必清运" in urged
    assert ("staff:zhouhaitao", "urge", "今天下班前务必清运") in await trail(console, code)
    assert ("urge", code, "allowed") in await audited(console, "zhouhaitao")


async def twins(console) -> tuple[str, str]:
    """Two tickets of 东关社区 at the same step: one for chat, one for the page."""
    return (
        await report(console, "东关一网格", GARBAGE),
        await report(console, "东关二网格", TRAFFIC_LIGHT, THIRD),
    )


def shape(steps: list[tuple[str, str, str | None]]) -> list[tuple[str, str, str | None]]:
    return steps[2:]  # after the report and its routing


async def test_transferring_from_the_page_moves_the_ticket_as_chat_does(console):
    by_chat, by_page = await twins(console)
    before = await heard(console, "hanlei")

    said = await console.staff_says("zhouhaitao", f"转派 {by_chat} hanlei")
    page = await acting(console, "zhouhaitao", by_page, "转派", "韩磊")

    assert said == f"工单 {by_chat} 已转给 韩磊。"
    assert f"工单 {by_page} 已转给 韩磊。" in page
    assert await assignee_of(console, by_page) == await assignee_of(console, by_chat) == "hanlei"
    assert shape(await trail(console, by_page)) == shape(await trail(console, by_chat))
    notices = await new_messages(console, "hanlei", before)
    assert len(notices) == 2 and by_chat in notices[0] and by_page in notices[1]
    assert ("transfer", by_page, "allowed") in await audited(console, "zhouhaitao")


async def test_escalating_from_the_page_moves_the_ticket_as_chat_does(console):
    by_chat, by_page = await twins(console)
    holders = [await assignee_of(console, code) for code in (by_chat, by_page)]

    said = await console.staff_says("zhouhaitao", f"上报 {by_chat} 垃圾站归街道管，需要协调")
    page = await acting(console, "zhouhaitao", by_page, "上报", "垃圾站归街道管，需要协调")

    assert f"工单 {by_page} 已上报" in page and said.replace(by_chat, by_page) in page
    chat, web = await ticket_of(console, by_chat), await ticket_of(console, by_page)
    assert web.level == chat.level == 1
    assert [await assignee_of(console, code) for code in (by_chat, by_page)] == holders
    assert shape(await trail(console, by_page)) == shape(await trail(console, by_chat))
    assert ("escalate", by_page, "allowed") in await audited(console, "zhouhaitao")


async def test_a_state_that_forbids_it_gets_the_chats_refusal(console):
    code = await report(console, "东关一网格", GARBAGE)
    await console.staff_says("liminghua", f"接单 {code}")
    await console.staff_says("liminghua", f"办结 {code} 已清运")
    steps = await trail(console, code)

    page = await acting(console, "zhouhaitao", code, "转派", "zhaoxiaoyan")

    said = await console.staff_says("zhouhaitao", f"转派 {code} zhaoxiaoyan")
    assert "已办结" in said and said in page
    assert await assignee_of(console, code) == "liminghua"
    assert await trail(console, code) == steps
    assert ("transfer", code, "refused") in await audited(console, "zhouhaitao")


async def test_a_grid_worker_sees_only_what_chat_lets_them_do(console):
    own = await report(console, "东关一网格", GARBAGE)  # 李明华's
    mediators = await report(console, "东关一网格", DISPUTE, THIRD)  # in her grid, not hers

    async with browser() as http:
        await signed_in(console, http, "liminghua")
        assert set(action_forms(await page_of(console, http, own))) == {"转派", "上报"}
        assert action_forms(await page_of(console, http, mediators)) == {}
    async with browser() as http:
        await signed_in(console, http, "zhouhaitao")
        page = await page_of(console, http, own)
    assert set(action_forms(page)) == set(VERBS.values())
    assert '<option value="zhaoxiaoyan">赵小燕（网格员）</option>' in page  # suggested


async def forged(
    console, userid: str, code: str, action: str, data: dict
) -> aiohttp.ClientResponse:
    """A POST to the action's address that no page of theirs offered."""
    async with browser() as http:
        listing = await signed_in(console, http, userid)
        csrf = forms_of(listing)[0].fields["csrf"]  # 退出登录's, on every page
        url = f"{console.base}/console/tickets/{code}/{action}"
        async with http.post(url, data={"csrf": csrf, **data}) as response:
            await response.read()
            return response


@pytest.mark.parametrize(
    ("action", "field", "text"),
    [("assign", "who", "zhaoxiaoyan"), ("urge", "note", "快点"), ("transfer", "who", "hanlei")],
)
async def test_a_forged_post_from_a_grid_worker_is_refused_with_the_chats_text(
    console, action, field, text
):
    code = await report(console, "东关一网格", DISPUTE)  # the mediator's, in 李明华's grid
    holder, steps = await assignee_of(console, code), await trail(console, code)
    before = await heard(console, "zhaoxiaoyan")

    response = await forged(console, "liminghua", code, action, {field: text})

    said = await console.staff_says("liminghua", f"{VERBS[action]} {code} {text}")
    assert "只有" in said and said in await response.text()
    assert response.status == 200 and response.url.path == f"/console/tickets/{code}"
    assert await assignee_of(console, code) == holder
    assert await trail(console, code) == steps
    assert await heard(console, "zhaoxiaoyan") == before
    assert (action, code, "refused") in await audited(console, "liminghua")


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(console):
    code = await report(console, "东关一网格", GARBAGE)

    async with browser() as http:
        await signed_in(console, http, "zhouhaitao")
        url = f"{console.base}/console/tickets/{code}/assign"
        for data in ({"who": "zhaoxiaoyan"}, {"who": "zhaoxiaoyan", "csrf": "forged"}):
            async with http.post(url, data=data) as response:
                assert response.status == 403 and "页面已过期" in await response.text()

    assert await assignee_of(console, code) == "liminghua"


async def test_a_ticket_out_of_scope_is_not_found_and_audited(console):
    code = await report(console, "西苑一网格", GARBAGE)
    holder = await assignee_of(console, code)

    response = await forged(console, "zhouhaitao", code, "assign", {"who": "zhaoxiaoyan"})

    assert response.status == 404 and "不在您的管辖范围" in await response.text()
    assert await assignee_of(console, code) == holder
    assert ("assign", code, "refused") in await audited(console, "zhouhaitao")


async def test_an_unknown_action_is_not_found(console):
    code = await report(console, "东关一网格", GARBAGE)

    response = await forged(console, "zhouhaitao", code, "delete", {"who": "x"})

    assert response.status == 404


async def test_the_confirmation_shows_once(console):
    code = await report(console, "东关一网格", GARBAGE)

    async with browser() as http:
        await signed_in(console, http, "zhouhaitao")
        assert "已督办" in await press(console, http, code, "督办", "请抓紧")
        assert "已督办" not in (await page_of(console, http, code)).split("办理记录")[0]

"""人员与网格 in the web console: the org tree and its people within the visitor's scope, and a
supervisor's changes — roles (several at once, also from staff.csv), a move, off duty (the
open tickets passed on, the supervisor told on WeCom, the person's console session ended)
and back — as CSRF-checked forms, audited; a person or unit out of scope is not found.

The demo county (config/demo): liminghua 李明华 works 东关一网格 and zhaoxiaoyan 赵小燕 东关二网格,
both under supervisor zhouhaitao 周海涛 (东关社区), the only one above 东关一网格 who could take
its tickets; gaoshufen 高淑芬 mediates disputes for 清泉街道; sunjianguo 孙建国 works 西苑一网格,
outside 东关社区."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from sqlalchemy import select

from bot.cli import staff
from handlers.policy import Policy
from nlu.categories import CATEGORY_IDS
from storage.importer import run_import
from storage.models import OrgUnit, Staff
from storage.uow import UnitOfWork
from tests.conftest import data_key
from tests.console import browser, forms_of, link_for, press_enter, signed_in
from tests.desk import DISPUTE, GARBAGE, NEIGHBOUR, assignee_of, new_messages, report

DEMO_STAFF = Path(__file__).resolve().parents[2] / "config" / "demo" / "staff.csv"
DONGGUAN = "青禾县/清泉街道/东关社区"
OFF_DUTY = "不在网格通的在岗人员名单中"
XIYUAN = "青禾县/清泉街道/西苑社区"


def roster_with(tmp_path: Path, userid: str, role: str) -> Path:
    """The demo staff.csv with `userid` holding `role` (e.g. `grid_worker;mediator`)."""
    lines = DEMO_STAFF.read_text("utf-8").splitlines()
    changed = []
    for line in lines:
        cells = line.split(",")
        if cells[0] == userid:
            cells[3] = role
        changed.append(",".join(cells))
    path = tmp_path / "staff.csv"
    path.write_text("\n".join(changed) + "\n", encoding="utf-8")
    return path


async def unit_id(console, path: str) -> int:
    async with console.services.sessionmaker() as session:
        return await session.scalar(select(OrgUnit.id).where(OrgUnit.path == path))


async def role_of(console, userid: str) -> str:
    async with console.services.sessionmaker() as session:
        return await session.scalar(select(Staff.role).where(Staff.userid == userid))


async def page(console, http: aiohttp.ClientSession, path: str) -> tuple[int, str]:
    async with http.get(f"{console.base}{path}") as response:
        return response.status, await response.text()


async def csrf(console, http: aiohttp.ClientSession) -> str:
    _, html = await page(console, http, "/console/staff")
    return next(form.fields["csrf"] for form in forms_of(html) if "csrf" in form.fields)


async def post(console, http, path: str, data: list | dict, with_csrf: bool = True):
    """Posts a staff form as the browser would (its CSRF token added): status and page."""
    fields = list(data.items()) if isinstance(data, dict) else list(data)
    if with_csrf:
        fields.append(("csrf", await csrf(console, http)))
    async with http.post(f"{console.base}{path}", data=fields) as response:
        return response.status, await response.text(), response


async def as_supervisor(console, http) -> None:
    await signed_in(console, http, "zhouhaitao")


async def audited(console, userid: str) -> set[tuple[str, str, str]]:
    async with UnitOfWork.opened(console.services.sessionmaker) as uow:
        entries = await uow.registry.audit_entries(f"staff:{userid}")
    return {(e.action, e.target, e.outcome) for e in entries}


async def test_two_roles_from_staff_csv_bring_both_kinds_of_ticket_to_one_person(
    console, seeded_url, tmp_path
):
    roster = roster_with(tmp_path, "liminghua", "grid_worker;mediator")
    summary = await run_import(seeded_url, None, roster, None, categories=CATEGORY_IDS)
    assert summary.staff == 17

    dispute = await report(console, "东关一网格", DISPUTE)
    garbage = await report(console, "东关一网格", GARBAGE, NEIGHBOUR)

    assert await assignee_of(console, dispute) == "liminghua"  # not 清泉街道's gaoshufen
    assert await assignee_of(console, garbage) == "liminghua"
    async with browser() as http:
        await as_supervisor(console, http)
        _, tree = await page(console, http, "/console/staff")
    assert "网格员、调解员" in tree


async def test_a_role_taken_away_in_the_console_stops_that_duty_coming_to_them(
    console, seeded_url, tmp_path
):
    roster = roster_with(tmp_path, "liminghua", "grid_worker;mediator")
    await run_import(seeded_url, None, roster, None, categories=CATEGORY_IDS)
    async with browser() as http:
        await as_supervisor(console, http)
        data = [("roles", "grid_worker")]
        status, html, response = await post(
            console, http, "/console/staff/people/liminghua/roles", data
        )

    assert status == 200 and response.history[0].status == 303
    assert "李明华 的岗位已改为：网格员。" in html
    assert await assignee_of(console, await report(console, "东关一网格", DISPUTE)) == "gaoshufen"
    garbage = await report(console, "东关一网格", GARBAGE, NEIGHBOUR)
    assert await assignee_of(console, garbage) == "liminghua"
    assert ("staff_roles", "liminghua", "allowed") in await audited(console, "zhouhaitao")


async def test_off_duty_from_the_console_passes_tickets_on_tells_the_supervisor_and_logs_out(
    console,
):
    code = await report(console, "东关一网格", GARBAGE)
    assert await assignee_of(console, code) == "liminghua"
    await console.drain()
    supervisor_heard = len(console.fake.to("zhouhaitao"))
    async with browser() as worker, browser() as http:
        await signed_in(console, worker, "liminghua")
        await as_supervisor(console, http)

        status, html, _ = await post(console, http, "/console/staff/people/liminghua/off-duty", {})

        assert status == 200 and "李明华 已设为离岗，1 张未办结的工单已改派。" in html
        assert "离岗" in html and "恢复在岗" in html
        out, after = await page(console, worker, "/console/tickets")
        assert out == 401 and "尚未登录" in after and "李明华" not in after

        status, html, _ = await post(console, http, "/console/staff/people/liminghua/on-duty", {})

        assert status == 200 and "李明华 已恢复在岗。" in html
    assert await assignee_of(console, code) == "zhouhaitao"
    told = await new_messages(console, "zhouhaitao", supervisor_heard)
    assert any(code in text and "李明华" in text and "不在岗" in text for text in told)
    entries = await audited(console, "zhouhaitao")
    assert {("off_duty", "liminghua", "allowed"), ("on_duty", "liminghua", "allowed")} <= entries
    async with browser() as again:
        await signed_in(console, again, "liminghua")  # back on duty, the console opens again
        status, _ = await page(console, again, "/console/staff")
    assert status == 200


async def test_a_person_or_unit_out_of_scope_is_not_found_and_the_attempt_audited(console):
    xiyuan = await unit_id(console, XIYUAN)
    async with browser() as http:
        await as_supervisor(console, http)
        person, person_page = await page(console, http, "/console/staff/people/sunjianguo")
        unit, _ = await page(console, http, f"/console/staff?unit={xiyuan}")
        posted, _, _ = await post(console, http, "/console/staff/people/sunjianguo/off-duty", {})
        _, tree = await page(console, http, "/console/staff")

    assert (person, unit, posted) == (404, 404, 404)
    assert "孙建国" not in person_page and "孙建国" not in tree and "赵小燕" in tree
    assert OFF_DUTY not in await console.staff_says("sunjianguo", "我的工单")
    entries = await audited(console, "zhouhaitao")
    assert ("staff_view", "sunjianguo", "refused") in entries
    assert ("staff_view", f"unit:{xiyuan}", "refused") in entries
    assert ("off_duty", "sunjianguo", "refused") in entries


async def test_a_staff_form_posted_without_its_csrf_token_changes_nothing(console):
    async with browser() as http:
        await as_supervisor(console, http)
        status, html, _ = await post(
            console, http, "/console/staff/people/liminghua/off-duty", {}, with_csrf=False
        )
        _, person = await page(console, http, "/console/staff/people/liminghua")

    assert status == 403 and "页面已过期" in html
    assert "设为离岗" in person  # still on duty: the form to take them off is offered


async def test_a_grid_worker_sees_their_own_unit_read_only(console):
    async with browser() as http:
        await signed_in(console, http, "liminghua")
        _, tree = await page(console, http, "/console/staff")
        other, _ = await page(console, http, "/console/staff/people/zhaoxiaoyan")
        status, html, _ = await post(
            console, http, "/console/staff/people/liminghua/roles", [("roles", "supervisor")]
        )

    assert "李明华" in tree and "赵小燕" not in tree and "添加人员" not in tree
    assert other == 404
    assert status == 200 and "只有综治中心负责人可以调整人员。" in html
    assert await role_of(console, "liminghua") == "grid_worker"
    assert ("staff_roles", "liminghua", "refused") in await audited(console, "liminghua")


async def test_a_supervisor_adds_a_person_who_can_then_open_the_console_and_moves_them(console):
    first = await unit_id(console, f"{DONGGUAN}/东关一网格")
    async with browser() as http:
        await as_supervisor(console, http)
        fields = {"userid": "fang_test", "name": "方小测", "phone": "13911112222"}
        data = [*fields.items(), ("unit", str(first)), ("roles", "grid_worker")]
        status, html, response = await post(console, http, "/console/staff/people", data)

        assert status == 200 and response.url.path == "/console/staff/people/fang_test"
        assert "已添加 方小测（网格员）" in html and "139****2222" in html
        assert "13911112222" not in html
        second = await unit_id(console, f"{DONGGUAN}/东关二网格")
        _, moved, _ = await post(
            console, http, "/console/staff/people/fang_test/move", {"unit": str(second)}
        )
        assert "方小测 已调到 青禾县/清泉街道/东关社区/东关二网格。" in moved

        outside = await unit_id(console, XIYUAN)
        _, refused, _ = await post(
            console, http, "/console/staff/people/fang_test/move", {"unit": str(outside)}
        )
        assert "请选择您管辖范围内的单位。" in refused
    async with browser() as newcomer:
        response = await press_enter(newcomer, await link_for(console, "fang_test"))
    assert response.status == 200 and response.url.path == "/console/tickets"
    entries = await audited(console, "zhouhaitao")
    assert {
        ("staff_add", "fang_test", "allowed"),
        ("staff_move", "fang_test", "allowed"),
    } <= entries
    assert ("staff_move", "fang_test", "refused") in entries


async def test_a_reimport_leaving_someone_out_ends_their_console_session_audited(
    console, seeded_url, tmp_path
):
    lines = DEMO_STAFF.read_text("utf-8").splitlines()
    roster = tmp_path / "staff.csv"
    kept = [line for line in lines if not line.startswith("liminghua,")]
    roster.write_text("\n".join(kept) + "\n", "utf-8")
    async with browser() as worker:
        await signed_in(console, worker, "liminghua")

        summary = await run_import(
            seeded_url,
            None,
            roster,
            None,
            staff.passing_on(Policy()),
            data_key(),
            categories=CATEGORY_IDS,
        )

        out, _ = await page(console, worker, "/console/staff")
    assert (summary.off_duty, out) == (1, 401)
    async with UnitOfWork.opened(console.services.sessionmaker) as uow:
        entries = await uow.registry.audit_entries("import")
    assert [(e.action, e.target) for e in entries] == [("off_duty", "liminghua")]

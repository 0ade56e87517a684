"""The console's tickets: the list within the staff member's scope exactly as in chat, its
filters and paging, a ticket's page with its trail, and the CSV and XLSX exports, with
numbers masked and hostile text harmless.

The demo county (config/demo): liminghua 李明华 works 东关一网格, zhaoxiaoyan 东关二网格, both
under supervisor zhouhaitao 周海涛 (东关社区); 西苑一网格 is outside 东关社区; songlixin 宋立新 is
the county's duty desk."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from handlers.calendar import SHANGHAI
from storage.models import OrgUnit, Ticket
from storage.uow import UnitOfWork
from tests.console import browser, signed_in
from tests.desk import DISPUTE, GARBAGE, NEIGHBOUR, TRAFFIC_LIGHT, report, ticket_of

THIRD = "o_third_resident"
HOSTILE = (
    "=cmd|' /C calc'!A0<script>alert(1)</script>电话13900000001 小区门口垃圾堆了好几天没人清理"
)


@pytest.fixture
async def three(console) -> tuple[str, str, str]:
    """Reports in 东关一网格, 东关二网格 and 西苑一网格."""
    return (
        await report(console, "东关一网格", GARBAGE),
        await report(console, "东关二网格", TRAFFIC_LIGHT, NEIGHBOUR),
        await report(console, "西苑一网格", GARBAGE, THIRD),
    )


async def listed(console, userid: str, query: str = "") -> str:
    async with browser() as http:
        await signed_in(console, http, userid)
        async with http.get(f"{console.base}/console/tickets?{query}") as response:
            assert response.status == 200
            return await response.text()


@pytest.mark.parametrize(
    ("userid", "sees"),
    [("liminghua", (0,)), ("zhaoxiaoyan", (1,)), ("zhouhaitao", (0, 1)), ("songlixin", (0, 1, 2))],
)
async def test_each_staff_member_lists_the_tickets_of_their_scope_only(
    console, three, userid, sees
):
    page = await listed(console, userid)

    assert [code for code in three if code in page] == [three[i] for i in sees]
    assert f"共 {len(sees)} 张" in page


async def test_the_list_is_newest_first_with_chinese_labels(console, three):
    page = await listed(console, "songlixin")

    assert page.index(three[2]) < page.index(three[1]) < page.index(three[0])
    assert "环境问题巡查" in page and "协助交通管理" in page and "待接单" in page


async def test_filters_narrow_the_list(console, three):
    assert three[1] in (traffic := await listed(console, "zhouhaitao", "category=traffic"))
    assert three[0] not in traffic
    assert "共 0 张" in await listed(console, "zhouhaitao", "state=resolved")
    assert "共 0 张" in await listed(console, "zhouhaitao", "urgent=1")


async def test_an_overdue_filter_lists_what_is_late(console, clock, three):
    assert "共 0 张" in await listed(console, "zhouhaitao", "overdue=1")

    clock.advance(minutes=31)  # nobody accepted within 30 minutes

    late = await listed(console, "zhouhaitao", "overdue=1")
    assert three[0] in late and three[1] in late and "已超时" in late


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-3",
        "page=99999999999999999999999",
        "page=2",
        "state=' OR 1=1 --",
        "category=environment'; DROP TABLE tickets; --",
        "overdue=yes&urgent=%00",
    ],
)
async def test_bad_or_huge_parameters_get_the_list_not_an_error(console, three, query):
    page = await listed(console, "zhouhaitao", query)

    assert three[0] in page and "第 1 / 1 页" in page


async def test_a_ticket_page_shows_its_trail(console, three):
    async with browser() as http:
        await signed_in(console, http, "zhouhaitao")
        async with http.get(f"{console.base}/console/tickets/{three[0]}") as response:
            page = await response.text()

    assert response.status == 200
    assert three[0] in page and "办理记录" in page and "反映" in page and "分派" in page
    assert "东关一网格" in page and "李明华" in page


async def test_a_ticket_out_of_scope_is_not_found_and_the_attempt_audited(console, three):
    async with browser() as http:
        await signed_in(console, http, "liminghua")
        for code in (three[1], three[2], "GB-ZZZZZZ"):
            async with http.get(f"{console.base}/console/tickets/{code}") as response:
                page = await response.text()
            assert response.status == 404 and "不在您的管辖范围" in page
            assert code == "GB-ZZZZZZ" or GARBAGE not in page

    async with UnitOfWork.opened(console.services.sessionmaker) as uow:
        entries = await uow.registry.audit_entries("staff:liminghua")
    refused = {(e.action, e.target) for e in entries if e.outcome == "refused"}
    assert {("view_ticket", three[1]), ("view_ticket", three[2])} <= refused


async def test_hostile_text_is_escaped_and_numbers_masked_on_the_pages(console):
    code = await report(console, "东关一网格", HOSTILE)

    async with browser() as http:
        await signed_in(console, http, "liminghua")
        async with http.get(f"{console.base}/console/tickets") as response:
            pages = [await response.text()]
        async with http.get(f"{console.base}/console/tickets/{code}") as response:
            pages.append(await response.text())

    for page in pages:
        assert "<script>alert" not in page and "&lt;script&gt;" in page
        assert "13900000001" not in page and "139****0001" in page


async def exported(console, userid: str, kind: str, query: str = "") -> bytes:
    async with browser() as http:
        await signed_in(console, http, userid)
        async with http.get(f"{console.base}/console/tickets.{kind}?{query}") as response:
            assert response.status == 200
            assert "attachment" in response.headers["Content-Disposition"]
            return await response.read()


async def test_the_csv_export_is_the_filtered_list_masked_and_defused(console):
    code = await report(console, "东关一网格", HOSTILE)
    traffic = await report(console, "东关二网格", TRAFFIC_LIGHT, NEIGHBOUR)
    await report(console, "西苑一网格", GARBAGE, THIRD)  # outside 东关社区

    body = (await exported(console, "zhouhaitao", "csv")).decode("utf-8-sig")

    header, *rows = list(csv.reader(io.StringIO(body)))
    assert header[0] == "工单编号" and {row[0] for row in rows} == {code, traffic}
    hostile = next(row for row in rows if row[0] == code)
    assert hostile[-1].startswith("'=cmd|")
    assert "13900000001" not in body and "139****0001" in hostile[-1]
    only_traffic = await exported(console, "zhouhaitao", "csv", "category=traffic")
    assert traffic in only_traffic.decode("utf-8-sig") and code not in only_traffic.decode()


async def test_the_xlsx_export_has_real_numbers_and_dates_masked_and_no_formula(console):
    code = await report(console, "东关一网格", HOSTILE)
    await report(console, "东关二网格", TRAFFIC_LIGHT, NEIGHBOUR)

    book = load_workbook(io.BytesIO(await exported(console, "songlixin", "xlsx")))

    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "工单编号" and len(rows) == 3
    hostile = next(row for row in rows if row[0] == code)
    assert isinstance(hostile[5], int) and isinstance(hostile[8], datetime)
    assert hostile[-1].startswith("'=cmd|") and "139****0001" in hostile[-1]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert not any("13900000001" in str(value) for row in rows for value in row)


async def test_exports_are_audited(console, three):
    await exported(console, "zhouhaitao", "csv")

    async with UnitOfWork.opened(console.services.sessionmaker) as uow:
        entries = await uow.registry.audit_entries("staff:zhouhaitao")
    assert any(e.action == "export_tickets" and e.outcome == "allowed" for e in entries)


async def test_pages_and_exports_need_a_session(console, three):
    async with browser() as http:
        for path in ("tickets", f"tickets/{three[0]}", "tickets.csv", "tickets.xlsx"):
            async with http.get(f"{console.base}/console/{path}") as response:
                assert response.status == 401, path
                assert three[0] not in await response.text()


async def copies_of(console, code: str, count: int) -> list[str]:
    """`count` more tickets like `code`, a minute apart after it (older codes first)."""
    async with console.services.sessionmaker() as session:
        first = await session.scalar(select(Ticket).where(Ticket.code == code))
        codes = [f"GB-P{n:04d}" for n in range(count)]
        for n, copy in enumerate(codes, start=1):
            moment = first.created_at + timedelta(minutes=n)
            session.add(
                Ticket(
                    code=copy,
                    category=first.category,
                    text=f"第 {n} 张",
                    state=first.state,
                    grid_id=first.grid_id,
                    unit_id=first.unit_id,
                    created_at=moment,
                    updated_at=moment,
                )
            )
        await session.commit()
    return codes


async def test_the_list_pages_by_fifty_and_clamps_a_page_past_the_end(console, three):
    codes = await copies_of(console, three[0], 60)  # with three[0]: 61 in 东关一网格

    first = await listed(console, "liminghua")
    second = await listed(console, "liminghua", "page=2")
    past = await listed(console, "liminghua", "page=999999")

    assert "共 61 张" in first and "第 1 / 2 页" in first and "page=2" in first
    assert codes[-1] in first and codes[10] in first and codes[9] not in first
    assert "第 2 / 2 页" in second and codes[9] in second and three[0] in second
    assert codes[-1] not in second
    assert "第 2 / 2 页" in past and codes[9] in past


async def path_of(console, name: str) -> str:
    async with console.services.sessionmaker() as session:
        return await session.scalar(select(OrgUnit.path).where(OrgUnit.name == name))


async def test_a_unit_filter_narrows_to_a_subtree_within_the_scope(console, three):
    east_one, west_one = await path_of(console, "东关一网格"), await path_of(console, "西苑一网格")
    community = await path_of(console, "东关社区")

    only_one = await listed(console, "zhouhaitao", urlencode({"unit": east_one}))
    outside = await listed(console, "zhouhaitao", urlencode({"unit": west_one}))
    desk = await listed(console, "songlixin", urlencode({"unit": community}))

    assert "共 1 张" in only_one and three[0] in only_one and three[1] not in only_one
    assert "共 0 张" in outside and three[2] not in outside  # nothing beyond their scope
    assert "共 2 张" in desk and three[2] not in desk
    assert east_one in await listed(console, "zhouhaitao")  # offered as a choice


async def test_a_must_attend_filter_lists_the_six_must_attend_cases(console, three):
    dispute = await report(console, "东关二网格", DISPUTE, "o_fourth_resident")

    page = await listed(console, "zhouhaitao", "must_attend=1")

    assert "共 1 张" in page and dispute in page and three[1] not in page


async def test_a_date_range_narrows_by_the_day_reported(console, clock):
    early = await report(console, "东关一网格", GARBAGE)
    clock.advance(days=3)
    late = await report(console, "东关二网格", TRAFFIC_LIGHT, NEIGHBOUR)
    first, last = [(await ticket_of(console, c)).created_at for c in (early, late)]
    day = {
        code: moment.astimezone(SHANGHAI).date().isoformat()
        for code, moment in ((early, first), (late, last))
    }

    since = await listed(console, "zhouhaitao", f"since={day[late]}")
    until = await listed(console, "zhouhaitao", f"until={day[early]}")
    both = await listed(console, "zhouhaitao", f"since={day[early]}&until={day[early]}")
    bad = await listed(console, "zhouhaitao", "since=2026-13-45&until=yesterday")

    assert "共 1 张" in since and late in since and early not in since
    assert "共 1 张" in until and early in until
    assert "共 1 张" in both and early in both
    assert "共 2 张" in bad


async def test_a_search_finds_codes_and_grids_and_sql_is_only_text(console, three):
    by_code = await listed(console, "zhouhaitao", urlencode({"q": three[0][3:].lower()}))
    by_grid = await listed(console, "zhouhaitao", urlencode({"q": "东关二"}))

    assert "共 1 张" in by_code and three[0] in by_code
    assert "共 1 张" in by_grid and three[1] in by_grid
    for hostile in ("' OR 1=1 --", "%", "_", "垃圾"):  # the report text is sealed: not searched
        page = await listed(console, "songlixin", urlencode({"q": hostile}))
        assert "共 0 张" in page, hostile
    assert "&#39; OR 1=1 --" in await listed(console, "songlixin", urlencode({"q": "' OR 1=1 --"}))


async def test_the_export_keeps_the_new_filters(console, three):
    body = await exported(console, "songlixin", "csv", urlencode({"q": "东关二"}))

    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [three[1]]


@pytest.mark.parametrize(
    ("sort", "order"), [("", (2, 1, 0)), ("oldest", (0, 1, 2)), ("nonsense", (2, 1, 0))]
)
async def test_the_list_is_sorted_as_asked_and_paging_keeps_the_order(console, three, sort, order):
    page = await listed(console, "songlixin", urlencode({"sort": sort}))

    positions = [page.index(three[i]) for i in order]
    assert positions == sorted(positions)
    if sort == "oldest":
        assert 'value="oldest" selected' in page


async def test_sorted_by_deadline_the_soonest_comes_first(console, three, clock):
    async with console.services.sessionmaker() as session:
        soon, later = clock.now() + timedelta(hours=1), clock.now() + timedelta(days=3)
        for code, due in ((three[0], later), (three[1], soon), (three[2], None)):
            ticket = await session.scalar(select(Ticket).where(Ticket.code == code))
            ticket.deadline_at = due
        await session.commit()

    page = await listed(console, "songlixin", "sort=deadline")

    assert page.index(three[1]) < page.index(three[0]) < page.index(three[2])

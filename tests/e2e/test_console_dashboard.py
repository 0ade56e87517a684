"""The console's 三率 dashboard, 苗头 and the quarterly assessment page, as a supervisor sees
them: the same figures as the assessment in chat and the CLI, within the same scope as the
ticket list; a 苗头 only where three reports of one kind crowd within 300 m and 14 days; the
workbook with numbers as numbers.

The demo county: liminghua works 东关一网格 and zhaoxiaoyan 东关二网格 under zhouhaitao
(东关社区); sunjianguo works 西苑一网格 (西苑社区); songlixin is the county's duty desk."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from sqlalchemy import null, select, update

from handlers.rhythm.assessment import assess
from storage.models import OrgUnit, Staff, Ticket
from storage.uow import UnitOfWork
from tests.console import browser, signed_in
from tests.e2e.test_digests_assessment import a_quarters_work, shanghai
from tests.stack import POINTS

METRE = 1 / 111_320  # of latitude, in degrees
SERIAL = iter(range(10_000))
NOW = shanghai(11, 20, 10)


class _Cells(HTMLParser):
    """The rate cells of the page's rates table: (unit, month, rate) → data-value."""

    def __init__(self):
        super().__init__()
        self.row: dict = {}
        self.found: dict[tuple[str, str, str], str] = {}

    def handle_starttag(self, tag, attrs):
        given = dict(attrs)
        if tag == "tr" and "data-month" in given:
            self.row = given
        elif tag == "td" and "data-rate" in given and self.row:
            key = (self.row["data-unit"], self.row["data-month"], given["data-rate"])
            self.found[key] = given.get("data-value") or ""


def rate_cells(html: str) -> dict[tuple[str, str, str], str]:
    parser = _Cells()
    parser.feed(html)
    return parser.found


async def page(console, userid: str, path: str) -> tuple[int, str, bytes]:
    async with browser() as http:
        await signed_in(console, http, userid)
        async with http.get(f"{console.base}{path}") as response:
            return response.status, response.content_type, await response.read()


async def dashboard(console, userid: str) -> str:
    status, _, body = await page(console, userid, "/console/dashboard")
    assert status == 200, body.decode()
    return body.decode()


async def add_tickets(console, grid: str, *tickets: dict) -> list[str]:
    """Tickets written as the service keeps them (code, place, stamps), in the grid, held by
    its worker; the codes."""
    lon, lat = POINTS[grid]
    async with console.services.sessionmaker() as session:
        unit = await session.scalar(select(OrgUnit).where(OrgUnit.name == grid))
        worker = await session.scalar(select(Staff).where(Staff.unit_id == unit.id))
        codes = []
        for given in tickets:
            created = given.pop("created", NOW - timedelta(days=1))
            north = given.pop("north", 0.0)
            code = f"GB-T{next(SERIAL):04d}"
            legacy = "late_kinds" in given and given["late_kinds"] is None
            given.pop("late_kinds") if legacy else None
            values = {
                "category": "environment",
                "state": "resolved",
                "accepted_at": created + timedelta(minutes=10),
                "resolved_at": created + timedelta(hours=5),
                **given,
            }
            session.add(
                Ticket(
                    code=code,
                    text="单元门口垃圾堆放",
                    grid_id=unit.id,
                    unit_id=unit.id,
                    assignee_id=worker.id,
                    lat=lat + north * METRE,
                    lon=lon,
                    created_at=created,
                    updated_at=created,
                    **values,
                )
            )
            codes.append(code)
            if legacy:  # from before the deadline watch kept the fact: the stamps are timed
                await session.flush()
                await session.execute(
                    update(Ticket).where(Ticket.code == code).values(late_kinds=null())
                )
        await session.commit()
    return codes


# The 三率: the assessment's figures


async def test_dashboard_rates_are_the_assessments_for_the_same_tickets(console, clock):
    await a_quarters_work(console, clock)  # one ticket of liminghua's, on time, 满意
    start = shanghai(10, 5, 9)
    await add_tickets(
        console,
        "东关一网格",
        {"created": start, "accepted_at": start + timedelta(hours=2), "late_kinds": ["accept"]},
        {"created": start, "late_kinds": None, "accepted_at": start + timedelta(hours=1)},
        {"created": start, "late_kinds": ["resolve"], "rating": "dissatisfied"},
        {"created": start, "state": "accepted", "resolved_at": None, "rating": "satisfied"},
        {"created": start, "state": "withdrawn", "accepted_at": None, "resolved_at": None},
        {"created": shanghai(8, 5, 9), "late_kinds": ["accept"]},  # the quarter before
    )
    clock.current = NOW
    services = console.services
    async with services.sessionmaker() as session:
        scores = await assess(UnitOfWork(session), "2026Q4", NOW, services.policy, services.rhythm)
    mine = next(s for s in scores if s.userid == "liminghua")

    cells = rate_cells(await dashboard(console, "zhouhaitao"))

    assert (mine.tickets, mine.withdrawn) == (5, 1)
    assert mine.accept_rate == pytest.approx(3 / 5)  # two accepted late (one timed: legacy)
    assert mine.resolve_rate == pytest.approx(3 / 4)
    assert mine.satisfaction == pytest.approx(2 / 3)
    for rate in ("accept_rate", "resolve_rate", "satisfaction"):
        shown = float(cells[("东关一网格", "2026-10", rate)])
        assert shown == pytest.approx(getattr(mine, rate)), rate
        assert cells[("东关一网格", "2026-11", rate)] == ""  # nothing that month


async def test_dashboard_shows_tickets_by_category_and_week_and_overdue_by_unit(console, clock):
    clock.current = NOW
    await add_tickets(
        console,
        "东关二网格",
        {"category": "traffic", "created": NOW - timedelta(days=2)},
        {"category": "traffic", "created": NOW - timedelta(days=9)},
        {
            "state": "assigned",
            "accepted_at": None,
            "resolved_at": None,
            "deadline_at": NOW,
            "deadline_kind": "accept",
        },
    )

    html = await dashboard(console, "zhouhaitao")

    traffic = re.search(r'data-category="协助交通管理">.*?data-total="(\d+)"', html, re.S)
    assert traffic.group(1) == "2"
    overdue = re.search(
        r'<tr data-unit="东关二网格"><td[^>]*>东关二网格</td>\s*<td[^>]*>'
        r'<a href="/console/tickets\?overdue=1">(\d+)</a>',
        html,
    )
    assert overdue and overdue.group(1) == "1"
    assert "巡查与走访完成情况" in html


async def test_a_village_supervisor_sees_only_its_own_subtree(console, clock):
    clock.current = NOW
    late = {"late_kinds": ["accept", "resolve"]}  # read apart from the other counts
    await add_tickets(
        console, "西苑一网格", {}, late, {**late, "created": NOW - timedelta(days=400)}
    )
    await add_tickets(console, "东关一网格", {})

    village = rate_cells(await dashboard(console, "zhouhaitao"))
    county = rate_cells(await dashboard(console, "songlixin"))

    assert {unit for unit, _, _ in village} == {"东关一网格", "合计"}
    assert {unit for unit, _, _ in county} == {"清泉街道", "合计"}


# 苗头


async def signals(console, userid: str = "zhouhaitao") -> list[str]:
    """The links of the dashboard's 苗头 rows."""
    html = await dashboard(console, userid)
    return re.findall(r'class="signal-tickets" href="([^"]+)"', html)


async def test_three_reports_of_one_kind_within_300_m_in_14_days_are_a_signal(console, clock):
    clock.current = NOW
    codes = await add_tickets(
        console,
        "东关一网格",
        {"north": 0, "created": NOW - timedelta(days=1)},
        {"north": 140, "created": NOW - timedelta(days=6)},
        {"north": 280, "created": NOW - timedelta(days=13)},
        {"north": 150, "category": "traffic"},  # another kind
    )

    [link] = await signals(console)
    listed = (await page(console, "zhouhaitao", link.replace("&amp;", "&")))[2].decode()

    assert "共 3 张" in listed
    assert all(code in listed for code in codes[:3]) and codes[3] not in listed


@pytest.mark.parametrize(
    "spread",
    [
        [(0, 1), (200, 2)],  # only two
        [(0, 1), (500, 2), (1000, 3)],  # three, over a kilometre
        [(0, 1), (100, 10), (200, 20)],  # three, over twenty days
    ],
)
async def test_fewer_or_scattered_or_old_reports_are_no_signal(console, clock, spread):
    clock.current = NOW
    await add_tickets(
        console,
        "东关一网格",
        *({"north": north, "created": NOW - timedelta(days=days)} for north, days in spread),
    )

    assert await signals(console) == []
    assert "最近 14 天没有发现苗头性问题" in await dashboard(console, "zhouhaitao")


async def test_a_signal_outside_the_scope_is_not_shown(console, clock):
    clock.current = NOW
    await add_tickets(console, "西苑一网格", {"north": 0}, {"north": 50}, {"north": 100})

    assert await signals(console, "zhouhaitao") == []
    assert len(await signals(console, "songlixin")) == 1


# The quarterly assessment page


async def test_assessment_page_and_workbook_give_the_scores_of_the_scope(console, clock):
    await a_quarters_work(console, clock)
    clock.current = shanghai(10, 2, 10)  # liminghua's rates all 100%: 优秀

    status, _, body = await page(console, "zhouhaitao", "/console/assessment?quarter=2026q4")
    status_x, kind, workbook = await page(
        console, "zhouhaitao", "/console/assessment.xlsx?quarter=2026Q4"
    )

    html = body.decode()
    assert status == 200 and 'data-userid="liminghua"' in html and "优秀" in html
    assert 'data-userid="sunjianguo"' not in html  # 西苑社区: not zhouhaitao's
    assert status_x == 200 and kind.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(workbook)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("账号", "姓名", "单位", "工单", "撤回", "及时签收率")
    [mine] = [row for row in rows if row[0] == "liminghua"]
    assert mine[3] == 1 and isinstance(mine[3], int)
    assert mine[5] == 1 and isinstance(mine[5], int | float)  # a number, shown as a percent
    assert sheet.cell(row=rows.index(mine) + 1, column=6).number_format == "0%"
    assert {row[0] for row in rows[1:]} == {"liminghua", "zhaoxiaoyan"}


@pytest.mark.parametrize("quarter", ["2026Q5", "Q4", "2027Q1", "'; DROP TABLE tickets; --"])
async def test_a_bad_or_future_quarter_gets_a_400_page(console, clock, quarter):
    clock.current = NOW
    status, _, body = await page(console, "zhouhaitao", f"/console/assessment?quarter={quarter}")

    assert status == 400
    assert "2026Q4 这样的格式" in body.decode()


async def test_dashboard_needs_a_session(console):
    async with browser() as http, http.get(f"{console.base}/console/dashboard") as response:
        assert response.status == 401


async def test_the_charts_are_pictures_drawn_by_gridbot(console, clock):
    clock.current = NOW
    await add_tickets(console, "东关一网格", {}, {"category": "traffic"})

    html = await dashboard(console, "zhouhaitao")
    sources = re.findall(r'<img src="([^"]+)"', html)
    pictures = [await page(console, "zhouhaitao", path) for path in sources]

    assert len(pictures) == 2
    for status, kind, body in pictures:
        assert (status, kind) == (200, "image/png") and body.startswith(b"\x89PNG")


async def test_with_no_tickets_there_is_no_empty_chart(console):
    html = await dashboard(console, "zhouhaitao")

    assert "<img" not in html
    assert "-" in html  # the tables say there is nothing to measure

"""Routing is data: (unit, category) → role → staff, inherited down the tree, with fallbacks."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from handlers.chat.residents import on_location, on_text
from handlers.inbound import Inbound
from handlers.ports import Ports
from nlu.categories import CATEGORY_IDS
from storage.importer import run_import
from storage.models import OrgUnit, OutboxMessage, Staff, Ticket
from storage.uow import UnitOfWork
from tests.fakes import FixedClassifier, GridsByName
from tests.stack import POINTS


@pytest.fixture
async def report(seeded_url, sessionmaker, clock):
    async with sessionmaker() as session:
        grids = {
            g.name: g.id
            for g in await session.scalars(select(OrgUnit).where(OrgUnit.level == "grid"))
        }
    locator = GridsByName({POINTS[name]: grid_id for name, grid_id in grids.items()})

    async def submit(grid: str, category: str, sender: str = "") -> Staff | None:
        # A resident of each grid: one resident's second report of a kind would join the first.
        sender = sender or f"o_resident_{grid}"
        ports = Ports(FixedClassifier(category), clock, locator)
        lon, lat = POINTS[grid]
        async with sessionmaker() as session:
            await on_location(
                UnitOfWork(session),
                Inbound("mp", f"loc-{sender}-{grid}", sender, "location", lat=lat, lon=lon),
                ports,
            )
            await on_text(
                UnitOfWork(session),
                Inbound(
                    "mp",
                    f"txt-{category}-{grid}-{sender}",
                    sender,
                    "text",
                    text="有个问题需要处理",
                ),
                ports,
            )
            await session.commit()
            ticket = await session.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))
            return await session.get(Staff, ticket.assignee_id) if ticket.assignee_id else None

    return submit


async def test_unrouted_category_goes_to_the_grid_worker(report):
    assert (await report("东关二网格", "traffic")).userid == "zhaoxiaoyan"


async def test_township_route_applies_to_every_grid_below_it(report):
    assert (await report("东关一网格", "dispute_mediation")).userid == "gaoshufen"
    assert (await report("西苑一网格", "dispute_mediation")).userid == "gaoshufen"
    assert (await report("王庄村网格", "dispute_mediation")).userid == "wanglifang"


async def test_county_route_reaches_the_county_adviser(report):
    assert (await report("李家洼村网格", "legal_service")).userid == "xujing"


async def test_nearest_route_wins(report):
    # 东关社区 routes public_security to its police assistant; nothing above overrides it.
    assert (await report("东关一网格", "public_security")).userid == "hanlei"
    assert (await report("西苑一网格", "public_security")).userid == "sunjianguo"


async def test_grid_without_worker_falls_back_to_the_supervisor_above(report, sessionmaker):
    async with sessionmaker() as session:
        await session.execute(
            update(Staff).where(Staff.userid == "sunjianguo").values(active=False)
        )
        await session.commit()
    assert (await report("西苑一网格", "traffic")).userid == "wuxiulan"


async def test_the_assignee_is_notified_once_through_the_outbox(report, sessionmaker):
    staff = await report("东关二网格", "environment")
    async with sessionmaker() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    assert [(r.channel, r.recipient) for r in rows] == [("work", staff.userid)]
    assert "环境问题巡查" in rows[0].body["text"]


async def test_a_routes_import_reroutes_the_next_report_of_a_process_that_kept_the_old(
    report, seeded_url, sessionmaker, tmp_path
):
    """Routing is kept per process between messages; an import from another process (the
    CLI, another replica) changes where the very next report goes."""
    assert (await report("东关二网格", "traffic")).userid == "zhaoxiaoyan"  # kept: no route
    async with sessionmaker() as session:  # done: the next report is not joined to it
        await session.execute(update(Ticket).values(state="closed"))
        await session.commit()
    routes = tmp_path / "routes.csv"
    routes.write_text(
        "unit,category,role\n青禾县/清泉街道/东关社区,traffic,police_assistant\n", encoding="utf-8"
    )
    await run_import(seeded_url, None, None, routes, categories=CATEGORY_IDS)
    assert (await report("东关二网格", "traffic", sender="o_next")).userid == "hanlei"

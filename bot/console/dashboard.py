"""The console's 三率 dashboard (with its two pictures) and the quarterly assessment page with
its XLSX download; registered into pages.GETS beside the ticket pages."""

from __future__ import annotations

import io

import aiohttp_jinja2
from aiohttp import web

from bot.cli.reports import HEADINGS, sheet_rows
from bot.console import pages
from bot.console.guard import SERVICES, Refused, Visit, signed_in
from bot.spreadsheets import save_xlsx
from handlers import texts
from handlers.console import charts, dashboard, quarterly
from handlers.console.quarterly import BadQuarter

NAMES = texts.CONSOLE_DASHBOARD


@signed_in
async def dashboard_page(visit: Visit) -> web.StreamResponse:
    services = visit.request.app[SERVICES]
    board = await dashboard.board(
        visit.uow, visit.me.staff, visit.now, services.policy, services.rhythm
    )
    drawn = charts.available()
    return aiohttp_jinja2.render_template(
        "dashboard.html",
        visit.request,
        visit.context(
            board=board,
            d=NAMES,
            # a chart only where there is something to draw: the tables say "0" and "-"
            rates_chart=drawn and any(total.tickets for total in board.month_totals),
            weeks_chart=drawn and any(any(row.weeks) for row in board.categories),
            role=_role(visit),
        ),
    )


@signed_in
async def rates_png(visit: Visit) -> web.StreamResponse:
    policy = visit.request.app[SERVICES].policy
    months, series = await dashboard.rate_series(visit.uow, visit.me.staff, visit.now, policy)
    return _png(charts.rates_chart(months, series))


@signed_in
async def weeks_png(visit: Visit) -> web.StreamResponse:
    weeks, series = await dashboard.week_series(visit.uow, visit.me.staff, visit.now)
    return _png(charts.weeks_chart(weeks, series))


def _png(body: bytes | None) -> web.Response:
    if body is None:
        raise web.HTTPNotFound()
    return web.Response(body=body, content_type="image/png")


@signed_in
async def assessment_page(visit: Visit) -> web.StreamResponse:
    found = await _quarterly(visit, download=False)
    return aiohttp_jinja2.render_template(
        "assessment.html",
        visit.request,
        visit.context(
            found=found,
            d=NAMES,
            headings=HEADINGS,
            rows=sheet_rows(found.scores)[1:],
            empty_text=texts.ASSESSMENT_EMPTY.format(quarter=found.quarter),
            role=_role(visit),
        ),
    )


@signed_in
async def assessment_xlsx(visit: Visit) -> web.StreamResponse:
    found = await _quarterly(visit, download=True)
    buffer = io.BytesIO()
    save_xlsx(sheet_rows(found.scores, typed=True), found.quarter, buffer)
    response = web.Response(body=buffer.getvalue(), headers={"Content-Type": pages.XLSX})
    name = f"assessment-{found.quarter}.xlsx"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


async def _quarterly(visit: Visit, download: bool) -> quarterly.Quarterly:
    services = visit.request.app[SERVICES]
    try:
        return await quarterly.quarterly(
            visit.uow,
            visit.me.staff,
            visit.request.query.get("quarter"),
            visit.now,
            services.policy,
            services.rhythm,
            download,
        )
    except BadQuarter:
        raise Refused(400, NAMES["bad_quarter"]) from None


def _role(visit: Visit) -> str:
    return texts.roles_named(visit.me.staff.roles)


GETS = {
    "/dashboard": dashboard_page,
    "/dashboard/rates.png": rates_png,
    "/dashboard/weeks.png": weeks_png,
    "/assessment": assessment_page,
    "/assessment.xlsx": assessment_xlsx,
}
pages.GETS.update(GETS)

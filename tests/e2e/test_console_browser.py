"""The web console in a real browser: headless Chromium (the system's, see tests/browser.py)
driven by Playwright's async API against the stack's server listening on loopback, as a
person would use it: the one-time link from `控制台`, the 进入控制台 button, the filters, a
ticket's page, 指派 (the new assignee's WeCom message reaches the fake WeCom API), and the
Excel export saved by the browser and read back with openpyxl; and WeCom's login (the fake
WeCom's authorize page) from the WeCom app's browser.

One Chromium per module (a fresh context, i.e. a fresh cookie jar, per test); Playwright's
auto-waiting, never a sleep. The tests and the stack share one event loop per module, so the
server answers while the browser waits. SQLite only: the pages over both databases are the
HTTP tests' job (test_console_*.py); these test what only a browser shows.

The demo county (config/demo): liminghua 李明华 works 东关一网格, zhaoxiaoyan 赵小燕 东关二网格,
both under supervisor zhouhaitao 周海涛 (东关社区)."""

from __future__ import annotations

import io
import os
import re
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
import pytest_asyncio
from PIL import Image
from sqlalchemy import func, select

from handlers import texts
from storage.models import OrgUnit
from tests.browser import chromium_path, playwright_or_skip
from tests.conftest import embedded_classifier
from tests.console import PLAIN_HTTP, link_for
from tests.desk import GARBAGE, TRAFFIC_LIGHT, assignee_of, new_messages, report
from tests.stack import running_stack

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
WECOM_APP = "Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile wxwork/4.1.30 Language/zh_CN"
SCREENSHOTS = Path(os.environ.get("GRIDBOT_SCREENSHOTS", "/nonexistent"))  # to look at them
WAIT_MS = 15_000  # Playwright's auto-waiting gives up after this (a loaded 2-core machine)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def chromium():
    api = playwright_or_skip()
    path = chromium_path()
    api.expect.set_options(timeout=WAIT_MS)
    async with api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=path, headless=True)
        yield browser
        await browser.close()


@pytest_asyncio.fixture(loop_scope="module")
async def served(seeded_url, clock):
    """The stack (real HTTP on loopback), on the module's loop, which the browser uses too."""
    async with running_stack(
        seeded_url, clock, PLAIN_HTTP, classifier=embedded_classifier()
    ) as stack:
        yield stack


@pytest_asyncio.fixture(loop_scope="module")
async def page(chromium):
    context = await chromium.new_context(locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(WAIT_MS)
    yield await context.new_page()
    await context.close()


async def sign_in(page, stack, userid: str) -> None:
    """Opens the one-time link WeCom gives for 控制台 and presses 进入控制台."""
    api = playwright_or_skip()
    await page.goto(await link_for(stack, userid))
    await page.get_by_role("button", name=texts.CONSOLE["enter"]).click()
    await api.expect(page).to_have_url(re.compile(r"/console/tickets$"))


async def test_a_supervisor_filters_opens_assigns_and_exports_in_a_browser(page, served, tmp_path):
    expect = playwright_or_skip().expect
    garbage = await report(served, "东关一网格", GARBAGE)  # environment, to 李明华
    light = await report(served, "东关一网格", TRAFFIC_LIGHT)  # traffic
    before = len(served.fake.to("zhaoxiaoyan"))

    await sign_in(page, served, "zhouhaitao")
    await expect(page.locator("header")).to_contain_text("周海涛")
    rows = page.locator("table.tickets tbody tr")
    await expect(rows).to_have_count(2)

    await page.get_by_label(texts.CONSOLE["category"]).select_option(label="环境问题巡查")
    await page.get_by_role("button", name=texts.CONSOLE["filter"]).click()
    await expect(page).to_have_url(re.compile(r"category=environment"))
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(garbage)
    await expect(page.locator("table.tickets")).not_to_contain_text(light)

    async with page.expect_download() as downloading:
        await page.get_by_role("link", name=texts.CONSOLE["export_xlsx"]).click()
    download = await downloading.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)

    await page.get_by_role("link", name=garbage).click()
    await expect(page).to_have_url(re.compile(f"/console/tickets/{garbage}$"))
    assign = page.locator("form.action").filter(has=page.get_by_role("button", name="指派"))
    await assign.get_by_label(texts.CONSOLE["hand_to"]).fill("zhaoxiaoyan")
    await assign.get_by_role("button", name="指派").click()
    await expect(page.locator("main")).to_contain_text(f"工单 {garbage} 已指派给 赵小燕。")

    assert await assignee_of(served, garbage) == "zhaoxiaoyan"
    heard = await new_messages(served, "zhaoxiaoyan", before)
    assert any(garbage in message for message in heard), heard
    assert saved.name == "tickets.xlsx"
    sheet = openpyxl.load_workbook(saved).active
    header, *lines = list(sheet.iter_rows(values_only=True))
    assert header == texts.CONSOLE_EXPORT_HEADER
    assert [line[0] for line in lines] == [garbage]  # the filter carried into the export
    columns = dict(zip(header, lines[0], strict=True))
    assert isinstance(columns["反映时间"], datetime) and isinstance(columns["层级"], int)


async def test_a_forged_link_shows_a_chinese_page_and_no_console(page, served):
    expect = playwright_or_skip().expect

    answer = await page.goto(f"{served.base}/console/login?token=forged.0000")

    assert answer.status == 403
    await expect(page.locator("main")).to_contain_text("这个登录链接无效")
    await expect(page.locator("header")).not_to_contain_text(texts.CONSOLE["logout"])


async def test_in_the_wecom_app_the_login_goes_through_wecom_and_back(chromium, served):
    """WeCom's OAuth in a browser: the redirects, and the state cookie sent back to the
    callback (SameSite=Lax on WeCom's top-level redirect)."""
    expect = playwright_or_skip().expect
    served.fake.sign_in("liminghua")
    context = await chromium.new_context(user_agent=WECOM_APP)
    context.set_default_timeout(WAIT_MS)
    try:
        page = await context.new_page()
        await page.goto(f"{served.base}/console/login")
        # a browser keeps the authorize URL's #wechat_redirect through the redirects
        await expect(page).to_have_url(re.compile(r"/console/tickets(#wechat_redirect)?$"))
        await expect(page.locator("header")).to_contain_text("李明华")
    finally:
        await context.close()


async def test_the_map_draws_the_grids_of_the_scope_coloured_by_their_tickets(page, served):
    """一张图: every grid of 东关社区 drawn (the page says how many once the layer is in),
    the one with an open ticket in its colour, the ticket's marker, and a picture that is
    not blank."""
    expect = playwright_or_skip().expect
    code = await report(served, "东关一网格", GARBAGE)
    async with served.services.sessionmaker() as session:
        community = await session.scalar(select(OrgUnit).where(OrgUnit.name == "东关社区"))
        grids = await session.scalar(
            select(func.count())
            .select_from(OrgUnit)
            .where(OrgUnit.level == "grid", OrgUnit.path.like(community.path + "/%"))
        )

    await sign_in(page, served, "zhouhaitao")
    await page.get_by_role("link", name=texts.CONSOLE["map"]).click()
    drawn = page.locator(f"#map[data-grids-loaded='{grids}']")
    await expect(drawn).to_have_count(1)

    await expect(page.locator("path.grid")).to_have_count(grids)
    await expect(page.locator("path.grid-open")).to_have_count(1)
    await expect(page.locator("#map")).to_have_attribute("data-tickets-loaded", "1")
    picture = Image.open(io.BytesIO(await page.locator("#map").screenshot()))
    assert len(picture.convert("RGB").getcolors(maxcolors=1 << 16) or range(1 << 16)) > 3
    picture.save(SCREENSHOTS / "map.png") if SCREENSHOTS.is_dir() else None
    await page.locator("path.ticket").first.click()
    await expect(page.locator(".leaflet-popup-content")).to_contain_text(code)
    await page.locator("path.grid-clear").first.click()
    await expect(page.locator(".leaflet-popup-content").last).to_contain_text("网格员：赵小燕")

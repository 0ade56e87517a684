"""人员与网格 in a real browser (headless Chromium, as tests/e2e/test_console_browser.py): a
supervisor follows the nav link, opens a person, ticks a second role and saves, then takes
them off duty — each form posted with its CSRF token and answered on the page it returns to.

The demo county (config/demo): liminghua 李明华 works 东关一网格 under supervisor zhouhaitao
周海涛 (东关社区)."""

from __future__ import annotations

import re

import pytest

from handlers import texts
from tests.browser import playwright_or_skip
from tests.desk import GARBAGE, assignee_of, report
from tests.e2e.test_console_browser import chromium, page, served, sign_in

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
__all__ = ["chromium", "page", "served"]  # the browser test's fixtures, shared
STAFF = texts.CONSOLE_STAFF


async def test_a_supervisor_gives_a_second_role_and_takes_someone_off_in_a_browser(page, served):
    expect = playwright_or_skip().expect
    code = await report(served, "东关一网格", GARBAGE)  # to 李明华
    await sign_in(page, served, "zhouhaitao")

    await page.get_by_role("link", name=texts.CONSOLE["staff"]).click()
    await expect(page.get_by_role("heading", name=re.compile(STAFF["title"]))).to_be_visible()
    await expect(page.get_by_text("138****0001")).to_be_visible()  # 李明华's phone, masked
    await page.get_by_role("link", name="李明华").click()
    await page.get_by_label(texts.ROLE_NAMES["mediator"]).check()
    await page.get_by_role("button", name=STAFF["save_roles"]).click()

    await expect(page.get_by_role("status")).to_have_text("李明华 的岗位已改为：网格员、调解员。")
    await expect(page.locator(".roles-held")).to_have_text("网格员、调解员")

    await page.get_by_role("button", name=STAFF["take_off_button"]).click()

    await expect(page.get_by_role("status")).to_contain_text("李明华 已设为离岗")
    await expect(page.locator(".duty")).to_have_text(STAFF["off_duty"])
    assert await assignee_of(served, code) == "zhouhaitao"

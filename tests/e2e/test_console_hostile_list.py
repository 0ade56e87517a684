"""Hostile input to the console's list and exports: page numbers huge, negative, not numbers;
page sizes past the largest; SQL, NUL bytes, lone surrogates and very long text in every
filter. Each gets the list (or the file) as for no such input, never an error page, and the
tickets are all still there afterwards.

The demo county (config/demo): liminghua 李明华 works 东关一网格 under supervisor zhouhaitao
周海涛 (东关社区)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.console import browser, signed_in
from tests.desk import GARBAGE, TRAFFIC_LIGHT, report
from tests.e2e.test_console_tickets import copies_of

FILTERS = ("state", "category", "unit", "since", "until", "q", "overdue", "urgent", "must_attend")
SQL = (
    "' OR 1=1 --",
    "'; DROP TABLE tickets; --",
    '" UNION SELECT text FROM tickets --',
    "%' AND 1=0 UNION SELECT NULL --",
    "1); DELETE FROM tickets WHERE (1=1",
)
# Raw query strings: NUL, a lone surrogate (percent-encoded UTF-8 of U+D800), bytes that are
# no UTF-8, a character past U+FFFF, and 10,000 characters.
RAW = ("%00", "%ED%A0%80", "%FF%FE", quote("\U0010ffff"), "x" * 10_000)
PAGES = ("10" + "0" * 12, "-1", "0", "abc", "1e9", "²", "٣", "１２", "+5", " 2 ", "0x10", "")


async def get(http, url: str):
    async with http.get(url) as response:
        return response.status, await response.read()


@pytest.fixture
async def two(console) -> tuple[str, str]:
    return (
        await report(console, "东关一网格", GARBAGE),
        await report(console, "东关二网格", TRAFFIC_LIGHT, "o_second_resident"),
    )


async def test_sql_and_broken_text_in_every_filter_get_a_page_never_an_error(console, two):
    async with browser() as http:
        await signed_in(console, http, "zhouhaitao")
        for name in FILTERS:
            values = [quote(text) for text in SQL] + list(RAW)
            for value in values:
                for path in ("tickets", "tickets.csv", "tickets.xlsx"):
                    status, body = await get(http, f"{console.base}/console/{path}?{name}={value}")
                    assert status == 200, (name, value[:40], path, body[:200])
        status, page = await get(http, f"{console.base}/console/tickets")

    assert status == 200 and all(code.encode() in page for code in two)
    assert "共 2 张".encode() in page


@pytest.mark.parametrize("page", PAGES)
async def test_any_page_number_gets_a_page_of_the_list(console, two, page):
    async with browser() as http:
        await signed_in(console, http, "zhouhaitao")
        status, body = await get(http, f"{console.base}/console/tickets?page={quote(page)}")

    assert status == 200 and "第 1 / 1 页".encode() in body
    assert all(code.encode() in body for code in two)


async def test_page_size_is_kept_between_ten_and_two_hundred(console, two):
    await copies_of(console, two[0], 250)  # with two[0]: 251 in 东关一网格
    async with browser() as http:
        await signed_in(console, http, "liminghua")
        sizes = {}
        for asked in ("1000000", "10", "3", "-5", "abc"):
            url = f"{console.base}/console/tickets?page_size={asked}"
            status, body = await get(http, url)
            assert status == 200, asked
            sizes[asked] = body.decode()

    assert "第 1 / 2 页" in sizes["1000000"] and "page_size=200" in sizes["1000000"]
    assert "第 1 / 26 页" in sizes["10"] and "第 1 / 26 页" in sizes["3"]
    assert "第 1 / 6 页" in sizes["-5"] and "第 1 / 6 页" in sizes["abc"]  # 50 a page

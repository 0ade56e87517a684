"""What the Open311 tests share: calls to `/open311/v2/` over loopback HTTP, each answer parsed
strictly (defusedxml, no DTD) and checked against the spec's shape (tests/open311_schema.py)
before a test reads it; a key, a point in a grid, and the strict settings."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator

import aiohttp
from defusedxml import ElementTree

from tests.open311_schema import answer_schema, check_json, check_xml
from tests.stack import POINTS, Stack, running_stack

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'


def checked(path: str, status: int, content_type: str, body: str, posted: bool = False):
    """The parsed answer, after checking it is what the spec says `path` answers."""
    tag, schema = answer_schema(path, status, posted)
    if content_type == "text/xml":
        assert body.startswith(XML_DECLARATION), body[:80]
        root = ElementTree.fromstring(body.encode("utf-8"), forbid_dtd=True)
        check_xml(root, tag, schema)
        return root
    assert content_type == "application/json", content_type
    parsed = json.loads(body)
    check_json(parsed, schema)
    return parsed


async def get(stack, path: str) -> tuple[int, str, str]:
    """Status, content type and body of a GET; the body checked against the spec."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{stack.base}/open311/v2/{path}") as answer,
    ):
        status, kind, body = answer.status, answer.content_type, await answer.text()
    checked(path, status, kind, body)
    return status, kind, body


async def xml(stack, path: str, status: int = 200):
    code, kind, body = await get(stack, path)
    assert code == status, body
    assert kind == "text/xml"
    return checked(path, code, kind, body)


async def json_of(stack, path: str, status: int = 200):
    code, kind, body = await get(stack, path)
    assert code == status, body
    assert kind == "application/json"
    return json.loads(body)


async def post(stack, path: str, form: dict | str) -> tuple[int, dict, str]:
    """Status, headers and body of a POST; the body checked against the spec."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{stack.base}/open311/v2/{path}", data=form) as answer,
    ):
        status, headers, body = answer.status, dict(answer.headers), await answer.text()
        checked(path, status, answer.content_type, body, posted=True)
    return status, headers, body


def fields(element) -> dict[str, str | None]:
    return {child.tag: child.text for child in element}


def error_of(root) -> tuple[int, str]:
    assert root.tag == "errors"
    [error] = root
    return int(error.findtext("code")), error.findtext("description")


async def new_key(stack, name: str = "fixmystreet", unit: str | None = None) -> str:
    from bot.cli import open311

    async with stack.services.sessionmaker() as session:
        return await open311.add(session, name, unit)


def grid_point(grid: str = "东关一网格") -> dict[str, str]:
    lon, lat = POINTS[grid]
    return {"lat": str(lat), "long": str(lon)}


def many_codes(count: int) -> str:
    """`count` codes of a ticket code's length, comma-separated; none is a real one (they
    start with 0, which ticket codes never use)."""
    return ",".join(f"GB-{n:05X}" for n in range(count))


JURISDICTION = "qinghe.example.cn"


@contextlib.asynccontextmanager
async def strict_stack(seeded_url: str, clock) -> AsyncIterator[Stack]:
    """The service with two POSTs a minute a key, reads only with a key, one jurisdiction."""
    from tests.conftest import embedded_classifier

    options = {"per_minute": 2, "private_reads": True, "jurisdiction": JURISDICTION}
    async with running_stack(
        seeded_url, clock, {"open311": options}, classifier=embedded_classifier()
    ) as running:
        yield running

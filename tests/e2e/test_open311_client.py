"""A city system's view of gridbot through `georeport` (PyPI), a real Open311 GeoReport v2
client. It is synchronous (requests), so each call runs in a thread beside the server.

The client reads services, a service definition, a list of requests and one request, in
XML (parsed by xmltodict) or JSON; it has no call for discovery, tokens or filing, so
requests are filed with a plain POST and followed with the client."""

from __future__ import annotations

import asyncio
import json

import pytest
import requests
from defusedxml import ElementTree
from georeport import GeoReport

from nlu.categories import CATEGORY_IDS
from tests.desk import GARBAGE, TRAFFIC_LIGHT, report
from tests.open311 import (
    JURISDICTION,
    error_of,
    grid_point,
    many_codes,
    new_key,
    post,
    strict_stack,
)

FORMATS = pytest.mark.parametrize("output_format", ["xml", "json"])


def client(stack, output_format: str = "json", jurisdiction: str | None = None) -> GeoReport:
    return GeoReport(
        f"{stack.base}/open311/v2/", jurisdiction=jurisdiction, output_format=output_format
    )


async def ask(call, *args, **kwargs):
    """A client call, in a thread: the server answers it on this test's event loop."""
    return await asyncio.to_thread(call, *args, **kwargs)


def as_list(found) -> list[dict]:
    """xmltodict gives one repeated element as a dict, two or more as a list."""
    return found if isinstance(found, list) else [found]


async def filed(stack, key: str, service_code: str, description: str) -> str:
    form = {"api_key": key, "service_code": service_code, "description": description}
    status, _, body = await post(stack, "requests.json", {**form, **grid_point()})
    assert status == 200, body
    return json.loads(body)[0]["service_request_id"]


@FORMATS
async def test_the_client_lists_the_eight_duties_with_their_chinese_names(stack, output_format):
    services = await ask(client(stack, output_format).get_service_list)

    assert [s["service_code"] for s in services] == list(CATEGORY_IDS)
    environment = services[CATEGORY_IDS.index("environment")]
    assert environment["service_name"] == "环境问题巡查"
    assert environment["group"] == "网格员八大项" and environment["type"] == "realtime"
    assert environment["metadata"] in (True, "true")  # JSON's true, XML's text


@FORMATS
async def test_the_client_reads_whether_someone_is_in_danger_from_a_definition(
    stack, output_format
):
    definition = await ask(client(stack, output_format).get_service_definition, "environment")

    assert definition["service_code"] == "environment"
    attributes = definition["attributes"]
    [attribute] = attributes if output_format == "json" else as_list(attributes["attribute"])
    assert (
        attribute["code"] == "in_danger" and attribute["description"] == "现在是否有人身处危险？"
    )
    values = attribute["values"] if output_format == "json" else attribute["values"]["value"]
    assert [(v["key"], v["name"]) for v in values] == [("yes", "是"), ("no", "否")]


@FORMATS
async def test_the_client_reads_a_posted_request_in_chinese_with_china_times(stack, output_format):
    key = await new_key(stack)
    code = await filed(stack, key, "environment", GARBAGE)

    shown = await ask(client(stack, output_format).get_service_request, code)

    assert shown["service_request_id"] == code and shown["status"] == "open"
    assert shown["service_code"] == "environment" and shown["service_name"] == "环境问题巡查"
    assert shown["status_notes"] == "待接单"
    assert shown["requested_datetime"] == "2026-11-26T10:00:00+08:00"  # 02:00 UTC
    assert shown["expected_datetime"] is None  # no resolution deadline before it is accepted
    assert shown["agency_responsible"].endswith("东关一网格")


@FORMATS
async def test_the_client_follows_a_posted_request_until_it_is_closed(stack, clock, output_format):
    code = await filed(stack, await new_key(stack), "environment", GARBAGE)
    city = client(stack, output_format)
    clock.advance(hours=1)
    await stack.staff_says("liminghua", f"接单 {code}")

    accepted = await ask(city.get_service_request, code)

    assert accepted["status"] == "open" and accepted["status_notes"] == "办理中"
    assert accepted["updated_datetime"] == "2026-11-26T11:00:00+08:00"
    assert accepted["expected_datetime"].endswith("+08:00")
    assert accepted["expected_datetime"] > accepted["updated_datetime"]
    clock.advance(hours=2)
    await stack.staff_says("liminghua", f"办结 {code} 已清运")

    closed = await ask(city.get_service_request, code)

    assert closed["status"] == "closed" and closed["status_notes"] == "已办结"
    assert closed["updated_datetime"] == "2026-11-26T13:00:00+08:00"


@FORMATS
async def test_the_client_filters_requests_by_code_service_status_and_window(
    stack, clock, output_format
):
    garbage = await report(stack, "东关一网格", GARBAGE)
    clock.advance(days=1)
    traffic = await report(stack, "东关一网格", TRAFFIC_LIGHT, "o_second")
    city = client(stack, output_format)

    async def codes(**filters) -> list[str]:
        found = await ask(city.get_service_requests, **filters)
        return [r["service_request_id"] for r in as_list(found)]

    assert await codes() == [traffic, garbage]  # newest first
    assert await codes(service_request_id=f"{garbage},{traffic}") == [traffic, garbage]
    assert await codes(service_code="traffic") == [traffic]
    assert await codes(status="open") == [traffic, garbage]
    window = {"start_date": "2026-11-27T00:00:00+08:00", "end_date": "2026-11-28T00:00:00+08:00"}
    assert await codes(**window) == [traffic]


async def test_the_client_sees_the_specs_404_for_an_unknown_request(stack):
    with pytest.raises(requests.HTTPError) as raised:
        await ask(client(stack, "xml").get_service_request, "GB-NOPE")

    answer = raised.value.response
    assert answer.status_code == 404
    root = ElementTree.fromstring(answer.content, forbid_dtd=True)
    assert error_of(root) == (404, "未找到：GB-NOPE")


async def test_ten_thousand_codes_from_the_client_get_the_specs_400(stack):
    with pytest.raises(requests.HTTPError) as raised:
        await ask(client(stack).get_service_requests, service_request_id=many_codes(10_000))

    answer = raised.value.response
    assert len(answer.request.url) > 100_000  # the client writes each comma as %2C
    assert answer.status_code == 400
    assert answer.json() == [
        {"code": 400, "description": "参数 service_request_id 无效：一次最多查询 1000 个工单号"}
    ]


async def test_the_client_names_its_jurisdiction_and_cannot_read_private_requests(
    seeded_url, clock
):
    async with strict_stack(seeded_url, clock) as strict:
        ours = client(strict, jurisdiction=JURISDICTION)
        assert len(await ask(ours.get_service_list)) == 8
        with pytest.raises(requests.HTTPError) as elsewhere:
            await ask(client(strict, jurisdiction="elsewhere.example.cn").get_service_list)
        with pytest.raises(requests.HTTPError) as unkeyed:  # the client sends no key on reads
            await ask(ours.get_service_requests)

    assert elsewhere.value.response.status_code == 400
    assert "jurisdiction_id" in elsewhere.value.response.json()[0]["description"]
    assert unkeyed.value.response.status_code == 403

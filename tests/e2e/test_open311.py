"""Open311 GeoReport v2 over loopback HTTP: what another city system reads from gridbot.
Every answer, XML or JSON, is parsed strictly and checked against the shape the spec
(wiki.open311.org/GeoReport_v2) gives before a test reads it (tests/open311.py).

The demo county: a resident in 东关一网格 reports rubbish (environment → grid worker); a
report of a quarrel is must-attend, a fire urgent — neither is public data."""

from __future__ import annotations

import json

import aiohttp
import pytest
from defusedxml import ElementTree

from handlers.texts import EMERGENCY_LINES, URGENT_FIRST_LINE
from nlu.categories import CATEGORY_IDS
from tests.desk import DISPUTE, GARBAGE, assignee_of, report, ticket_of
from tests.open311 import (
    error_of,
    fields,
    get,
    grid_point,
    json_of,
    many_codes,
    new_key,
    post,
    strict_stack,
    xml,
)

REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
PHONE_REPORT = "小区门口垃圾堆了好几天没人清理，臭得很，联系我 13900000001"


async def test_discovery_names_the_v2_endpoint_and_both_formats(stack):
    root = await xml(stack, "discovery.xml")

    assert root.tag == "discovery"
    [endpoint] = root.find("endpoints")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == f"{stack.base}/open311/v2/"
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert (await json_of(stack, "discovery.json"))["endpoints"][0]["type"] == "production"


async def test_services_are_the_eight_duties_in_chinese(stack):
    root = await xml(stack, "services.xml")

    assert root.tag == "services"
    listed = [fields(service) for service in root]
    assert all(set(entry) == SERVICE_FIELDS for entry in listed)
    assert [entry["service_code"] for entry in listed] == list(CATEGORY_IDS)
    environment = listed[CATEGORY_IDS.index("environment")]
    assert environment["service_name"] == "环境问题巡查"
    assert environment["type"] == "realtime" and environment["metadata"] == "true"
    assert "垃圾" in environment["keywords"].split(",")
    assert [s["service_code"] for s in await json_of(stack, "services.json")] == list(CATEGORY_IDS)


async def test_a_service_definition_asks_whether_someone_is_in_danger(stack):
    root = await xml(stack, "services/environment.xml")

    assert root.tag == "service_definition" and root.findtext("service_code") == "environment"
    [attribute] = root.find("attributes")
    assert attribute.findtext("code") == "in_danger"
    assert [v.findtext("key") for v in attribute.find("values")] == ["yes", "no"]
    code, description = error_of(await xml(stack, "services/nothing.xml", 404))
    assert code == 404 and "nothing" in description


async def test_a_report_is_read_back_as_a_service_request_with_masked_numbers(stack, clock):
    code = await report(stack, "东关一网格", PHONE_REPORT)
    ticket = await ticket_of(stack, code)

    root = await xml(stack, f"requests/{code}.xml")

    assert root.tag == "service_requests"
    [request] = root
    shown = fields(request)
    assert set(shown) == REQUEST_FIELDS
    assert shown["service_request_id"] == code and shown["status"] == "open"
    assert shown["service_code"] == "environment" and shown["service_name"] == "环境问题巡查"
    assert "13900000001" not in shown["description"] and "139****0001" in shown["description"]
    assert shown["agency_responsible"].endswith("东关一网格")
    assert shown["requested_datetime"] == "2026-11-26T10:00:00+08:00"  # 02:00 UTC
    assert shown["address"] is None  # public data
    assert shown["lat"] == str(round(ticket.lat, 3)) and shown["long"] == str(round(ticket.lon, 3))
    assert shown["status_notes"] == "待接单"
    [same] = await json_of(stack, f"requests/{code}.json")
    assert same["service_request_id"] == code and same["lat"] == round(ticket.lat, 3)


async def test_the_list_filters_by_code_service_status_and_window(stack, clock):
    garbage = await report(stack, "东关一网格", GARBAGE)
    clock.advance(days=1)
    traffic = await report(stack, "东关一网格", "路口红绿灯坏了，车都乱开", "o_second")

    listed = await json_of(stack, "requests.json")
    assert [r["service_request_id"] for r in listed] == [traffic, garbage]  # newest first
    by_code = await json_of(stack, f"requests.json?service_request_id={garbage}")
    assert [r["service_request_id"] for r in by_code] == [garbage]
    root = await xml(stack, "requests.xml?service_code=traffic")
    assert [r.findtext("service_request_id") for r in root] == [traffic]
    assert await json_of(stack, "requests.json?status=closed") == []
    assert len(await json_of(stack, "requests.json?status=open")) == 2
    window = "start_date=2026-11-27T00:00:00%2B08:00&end_date=2026-11-28T00:00:00%2B08:00"
    assert [r["service_request_id"] for r in await json_of(stack, f"requests.json?{window}")] == [
        traffic
    ]
    paged = await json_of(stack, "requests.json?page=2&page_size=1")
    assert [r["service_request_id"] for r in paged] == [garbage]


async def test_must_attend_and_urgent_reports_are_not_public(stack):
    quarrel = await report(stack, "东关一网格", DISPUTE)
    fire = await report(stack, "东关一网格", "着火了，三楼冒黑烟", "o_second")
    assert (await ticket_of(stack, quarrel)).must_attend and (await ticket_of(stack, fire)).urgent

    assert await json_of(stack, "requests.json") == []
    for code in (quarrel, fire):
        [error] = await json_of(stack, f"requests/{code}.json", 404)
        assert error["code"] == 404


async def test_a_resolved_report_is_closed(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    worker = "liminghua"
    await stack.staff_says(worker, f"接单 {code}")
    await stack.staff_says(worker, f"办结 {code} 已清运")

    [shown] = await json_of(stack, f"requests/{code}.json")

    assert shown["status"] == "closed" and shown["status_notes"] == "已办结"
    assert "已清运" not in str(shown)  # the resolution note may name people: not shown


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("requests.xml?start_date=yesterday", "start_date"),
        ("requests.xml?start_date=2026-01-01T00:00:00Z&end_date=2026-11-01T00:00:00Z", "end_date"),
        ("requests.xml?start_date=2026-11-20T00:00:00Z&end_date=2026-11-01T00:00:00Z", "end_date"),
        ("servicerequestupdates.xml?start_date=2026-01-01T00:00:00Z", "end_date"),
        ("requests.xml?status=lost", "status"),
        ("requests.xml?page=0", "page"),
        ("requests.xml?page_size=-5", "page_size"),
        ("requests.xml?service_code=unicorns", "service_code"),
        ("requests.xml?service_request_id=" + ",".join(["GB-1"] * 1_500), "service_request_id"),
    ],
)
async def test_bad_queries_get_the_specs_400_naming_the_parameter(stack, path, name):
    code, description = error_of(await xml(stack, path, 400))

    assert code == 400 and name in description


async def test_ten_thousand_codes_get_the_specs_400_naming_the_limit(stack):
    query = f"service_request_id={many_codes(10_000)}"
    assert len(query) > 90_000  # far beyond aiohttp's default request line of 8190 bytes
    limit = "参数 service_request_id 无效：一次最多查询 1000 个工单号"

    assert error_of(await xml(stack, f"requests.xml?{query}", 400)) == (400, limit)
    assert await json_of(stack, f"requests.json?{query}", 400) == [
        {"code": 400, "description": limit}
    ]


async def test_a_list_of_a_thousand_codes_is_served(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    codes = many_codes(999) + "," + code

    listed = await json_of(stack, f"requests.json?service_request_id={codes}")

    assert [r["service_request_id"] for r in listed] == [code]


async def test_errors_in_json_are_the_specs_array(stack):
    answer = await json_of(stack, "requests/GB-NOPE.json", 404)

    assert answer == [{"code": 404, "description": "未找到：GB-NOPE"}]
    [error] = await json_of(stack, "requests.json?status=lost", 400)
    assert error["code"] == 400 and "status" in error["description"]


async def test_an_unknown_format_is_404_in_the_specs_xml(stack):
    code, kind, body = await get(stack, "services.html")

    assert code == 404 and kind == "text/xml"
    assert error_of(ElementTree.fromstring(body.encode()))[0] == 404


async def test_a_window_of_more_than_90_days_is_refused_but_90_are_fine(stack):
    start = "2026-08-28T10:00:00%2B08:00"
    assert await json_of(stack, f"requests.json?start_date={start}") == []  # until now
    end = "2026-11-26T10:00:00%2B08:00"
    assert await json_of(stack, f"requests.json?start_date={start}&end_date={end}") == []


# POST requests: another system files reports with a key


async def test_a_posted_request_becomes_a_routed_ticket_with_sealed_contact(stack):
    from sqlalchemy import select

    from storage.models import AuditEntry, Open311Contact

    key = await new_key(stack)
    form = {
        "api_key": key,
        "service_code": "environment",
        "description": GARBAGE,
        "first_name": "测试",
        "last_name": "用户",
        "phone": "13900000002",
        "media_url": "https://example.org/photo.jpg",
        **grid_point(),
    }

    status, _, body = await post(stack, "requests.xml", form)

    assert status == 200, body
    [request] = ElementTree.fromstring(body.encode())
    code = request.findtext("service_request_id")
    ticket = await ticket_of(stack, code)
    assert ticket.source == "open311" and ticket.category == "environment"
    assert ticket.resident_id is None and ticket.state == "assigned"
    await stack.drain()
    assert any(code in sent for sent in stack.fake.to("liminghua"))  # the grid worker is told
    async with stack.services.sessionmaker() as session:
        [contact] = await session.scalars(select(Open311Contact))
        [audit] = await session.scalars(select(AuditEntry).where(AuditEntry.target == code))
    assert "13900000002" in contact.contact and contact.key_name == "fixmystreet"
    assert audit.actor == "open311:fixmystreet"
    [shown] = await json_of(stack, f"requests/{code}.json")
    assert "13900000002" not in str(shown) and "测试" not in str(shown)
    assert shown["media_url"] == "https://example.org/photo.jpg"


async def test_auto_is_classified_and_an_emergency_gets_the_emergency_line(stack):
    key = await new_key(stack)
    form = {"api_key": key, "service_code": "auto", "description": "着火了，三楼冒黑烟"}

    status, _, body = await post(stack, "requests.json", {**form, **grid_point()})

    assert status == 200, body
    [answer] = json.loads(body)
    assert answer["service_notice"] == EMERGENCY_LINES["fire"]
    ticket = await ticket_of(stack, answer["service_request_id"])
    assert ticket.urgent and ticket.category == "public_security"


async def test_a_point_outside_every_grid_goes_to_the_duty_desk(stack):
    key = await new_key(stack)
    form = {"api_key": key, "description": GARBAGE, "lat": "0.5", "long": "0.5"}

    status, _, body = await post(stack, "requests.json", form)

    assert status == 200, body
    code = json.loads(body)[0]["service_request_id"]
    ticket = await ticket_of(stack, code)
    assert ticket.grid_id is None and await assignee_of(stack, code) == "songlixin"


async def test_an_address_is_placed_through_the_place_lookup(stack):
    key = await new_key(stack)
    form = {"api_key": key, "description": GARBAGE, "address_string": "清泉街道东关路12号"}

    status, _, body = await post(stack, "requests.json", form)

    assert status == 200, body
    ticket = await ticket_of(stack, json.loads(body)[0]["service_request_id"])
    assert ticket.grid_id is not None and ticket.place == "清泉街道东关路12号"


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"address_id": "12"}, "address_id"),
        ({"description": "垃圾" * 2500}, "description"),  # 5,000 characters; the spec's 4,000
        ({"service_code": "", "description": ""}, "description"),  # nothing to classify
        ({"lat": "NaN"}, "lat"),
        ({"long": "181"}, "long"),
        ({"service_code": "unicorns"}, "service_code"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"lat": "", "long": ""}, "lat"),
    ],
)
async def test_bad_requests_get_400_naming_the_field(stack, change, name):
    key = await new_key(stack)
    form = {"api_key": key, "service_code": "environment", "description": GARBAGE}
    form = {**form, **grid_point(), **change}

    status, _, body = await post(stack, "requests.xml", form)

    assert status == 400
    code, description = error_of(ElementTree.fromstring(body.encode()))
    assert code == 400 and name in description
    assert await stack.tickets() == []


async def test_a_description_of_4000_characters_is_filed_whole(stack):
    key = await new_key(stack)
    text = (GARBAGE * 400)[:4000]
    form = {"api_key": key, "service_code": "environment", "description": text}

    status, _, body = await post(stack, "requests.json", {**form, **grid_point()})

    assert status == 200, body
    [filed] = json.loads(body)
    assert (await ticket_of(stack, filed["service_request_id"])).text == text


async def test_a_post_in_an_unknown_format_is_404_and_nothing_is_filed(stack):
    key = await new_key(stack)
    form = {"api_key": key, "service_code": "environment", "description": GARBAGE}

    status, _, body = await post(stack, "requests.html", {**form, **grid_point()})

    assert status == 404
    code, description = error_of(ElementTree.fromstring(body.encode(), forbid_dtd=True))
    assert code == 404 and "html" in description
    assert await stack.tickets() == []


async def test_no_key_a_bad_key_and_a_revoked_key_are_403(stack):
    from bot.cli import open311

    key = await new_key(stack)
    async with stack.services.sessionmaker() as session:
        await open311.revoke(session, "fixmystreet")
    form = {"description": GARBAGE, "service_code": "environment", **grid_point()}
    for given in ({}, {"api_key": "not-a-key"}, {"api_key": key}):
        status, _, body = await post(stack, "requests.json", {**form, **given})
        assert status == 403, body
        assert json.loads(body)[0]["code"] == 403
    assert await stack.tickets() == []


async def test_a_form_over_64_kib_is_refused(stack):
    key = await new_key(stack)
    form = {"api_key": key, "description": "x" * 70_000, **grid_point()}

    status, _, body = await post(stack, "requests.json", form)

    assert status == 413
    assert json.loads(body)[0]["code"] == 413
    assert await stack.tickets() == []


# Settings: [open311] per_minute, private_reads, jurisdiction; keys granted a unit


@pytest.fixture
async def strict(seeded_url, clock):
    async with strict_stack(seeded_url, clock) as running:
        yield running


async def test_a_flood_beyond_the_limit_gets_429_with_retry_after(strict, clock):
    key = await new_key(strict)
    form = {"api_key": key, "service_code": "environment", "description": GARBAGE}
    grids = ("东关一网格", "东关二网格", "东关一网格")  # two problems apart, then a third

    answers = [await post(strict, "requests.json", form | grid_point(g)) for g in grids]

    assert [status for status, _, _ in answers] == [200, 200, 429]
    _, headers, body = answers[2]
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert json.loads(body)[0]["code"] == 429
    assert len(await strict.tickets()) == 2
    clock.advance(minutes=1)
    assert (await post(strict, "requests.json", form | grid_point()))[0] == 200


async def test_two_replicas_share_one_key_budget(seeded_url, clock):
    async with strict_stack(seeded_url, clock) as one, strict_stack(seeded_url, clock) as two:
        key = await new_key(one)
        form = {"api_key": key, "service_code": "environment", "description": GARBAGE}
        grids = (
            (one, "东关一网格"),
            (two, "东关二网格"),
            (two, "东关一网格"),
            (one, "东关二网格"),
        )

        answers = [await post(stack, "requests.json", form | grid_point(g)) for stack, g in grids]

        assert [status for status, _, _ in answers] == [200, 200, 429, 429]
        assert len(await one.tickets()) == 2
        clock.advance(minutes=1)
        assert (await post(two, "requests.json", form | grid_point()))[0] == 200


async def test_private_reads_need_a_key_and_a_key_reads_in_full_within_its_unit(strict):
    everywhere = await new_key(strict, "city")
    elsewhere = await new_key(strict, "other", "西苑社区")
    code = await report(strict, "东关一网格", DISPUTE)  # must attend: never public
    ticket = await ticket_of(strict, code)

    [error] = await json_of(strict, f"requests/{code}.json", 403)
    assert error["code"] == 403
    [full] = await json_of(strict, f"requests/{code}.json?api_key={everywhere}")
    assert full["lat"] == ticket.lat and full["long"] == ticket.lon
    assert await json_of(strict, f"requests.json?api_key={elsewhere}") == []


async def test_another_jurisdiction_is_refused(strict):
    key = await new_key(strict)

    [error] = await json_of(strict, f"services.json?jurisdiction_id=elsewhere&api_key={key}", 400)
    assert "jurisdiction_id" in error["description"]
    listed = await json_of(strict, "services.json?jurisdiction_id=qinghe.example.cn")
    assert len(listed) == 8


async def test_fixmystreet_follows_each_change_of_state_as_an_update(stack, clock):
    code = await report(stack, "东关一网格", GARBAGE)
    clock.advance(minutes=5)
    await stack.staff_says("liminghua", f"接单 {code}")
    clock.advance(hours=2)
    await stack.staff_says("liminghua", f"办结 {code} 已清运，联系人 13900000009")

    root = await xml(stack, "servicerequestupdates.xml")

    assert root.tag == "service_request_updates"
    shown = [fields(update) for update in root]
    assert {tag for update in shown for tag in update} == {
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
    }
    assert [(u["service_request_id"], u["status"]) for u in shown] == [
        (code, "OPEN"),
        (code, "IN_PROGRESS"),
        (code, "FIXED"),
    ]
    assert shown[-1]["updated_datetime"] == "2026-11-26T12:05:00+08:00"
    assert shown[-1]["description"] == "已办结" and "13900000009" not in str(shown)
    assert len({u["update_id"] for u in shown}) == 3
    window = "start_date=2026-11-26T11:00:00%2B08:00&end_date=2026-11-26T13:00:00%2B08:00"
    assert [u["status"] for u in await json_of(stack, f"servicerequestupdates.json?{window}")] == [
        "FIXED"
    ]


async def test_a_token_is_the_request_code_filed_at_once(stack):
    key = await new_key(stack)
    form = {"api_key": key, "service_code": "environment", "description": GARBAGE}
    [filed] = json.loads((await post(stack, "requests.json", {**form, **grid_point()}))[2])

    root = await xml(stack, f"tokens/{filed['token']}.xml")

    [request] = root
    assert fields(request) == {
        "service_request_id": filed["service_request_id"],
        "token": filed["token"],
    }
    assert error_of(await xml(stack, "tokens/GB-NOPE.xml", 404))[0] == 404


async def test_someone_in_danger_makes_the_request_urgent_and_never_public(stack):
    key = await new_key(stack)
    form = {
        "api_key": key,
        "service_code": "traffic",
        "description": "路口红绿灯坏了，车都乱开",
        "attribute[in_danger]": "yes",
        **grid_point(),
    }

    [filed] = json.loads((await post(stack, "requests.json", form))[2])

    assert filed["service_notice"] == URGENT_FIRST_LINE
    code = filed["service_request_id"]
    assert (await ticket_of(stack, code)).urgent
    assert await json_of(stack, "requests.json") == []
    [full] = await json_of(stack, f"requests/{code}.json?api_key={key}")
    assert full["service_code"] == "traffic"


async def test_special_population_reports_are_never_public_but_a_key_reads_them_in_full(stack):
    key = await new_key(stack)
    form = {
        "api_key": key,
        "service_code": "special_population",
        "description": "隔壁独居老人好几天没出门了",
        "address_string": "清泉街道东关路12号",
    }

    [filed] = json.loads((await post(stack, "requests.json", form))[2])

    code = filed["service_request_id"]
    assert await json_of(stack, "requests.json") == []
    assert (await json_of(stack, f"requests/{code}.json", 404))[0]["code"] == 404
    [full] = await json_of(stack, f"requests/{code}.json?api_key={key}")
    assert full["address"] == "清泉街道东关路12号"
    assert full["agency_responsible"].startswith("青禾县/清泉街道")


async def test_a_body_that_is_not_a_form_is_400_and_nothing_is_filed(stack):
    key = await new_key(stack)
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{stack.base}/open311/v2/requests.json?api_key={key}",
            data=b"\xff\xfe not a form",
            headers={"Content-Type": "multipart/form-data; boundary=nothing"},
        ) as answer,
    ):
        status, body = answer.status, await answer.json()

    assert status == 400 and "body" in body[0]["description"], body
    assert await stack.tickets() == []

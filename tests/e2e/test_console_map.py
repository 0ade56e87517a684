"""The console's 一张图 map over real HTTP: the grid layer holds exactly the grids of the
visitor's scope with their worker and ticket counts, every feature reads as a shape, ticket
markers stay in scope and coarse, the assets come from gridbot itself, and the CSP allows the
tile server only when one is set.

The demo county (config/demo): 清泉街道 has 东关一网格 (liminghua 李明华) and 东关二网格
(zhaoxiaoyan 赵小燕) under 东关社区 (supervisor zhouhaitao), and 西苑一网格 (sunjianguo) under
西苑社区; 柳河镇 has 王庄村网格 (supervisor wangdeshun) and 李家洼村网格; songlixin is the
county's duty desk."""

from __future__ import annotations

import gzip
import json
import re
from urllib.parse import urlsplit

import aiohttp
import pytest
from shapely.geometry import Point, shape

from tests.console import PLAIN_HTTP, browser, signed_in
from tests.desk import GARBAGE, NEIGHBOUR, TRAFFIC_LIGHT, report
from tests.stack import POINTS, running_stack

THIRD = "o_third_resident"
EVERY_GRID = {"东关一网格", "东关二网格", "西苑一网格", "王庄村网格", "李家洼村网格"}
TIANDITU = (
    "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=fictional0key"
)


async def fetched(stack, userid: str, path: str) -> tuple[aiohttp.ClientResponse, bytes]:
    """What a signed-in browser gets for the path: the response and its (decoded) body."""
    async with browser() as http:
        await signed_in(stack, http, userid)
        async with http.get(f"{stack.base}{path}") as response:
            return response, await response.read()


async def layer(stack, userid: str, name: str = "grids") -> dict:
    response, body = await fetched(stack, userid, f"/console/map/{name}.json")
    assert response.status == 200, body
    return json.loads(body)


def by_name(collection: dict) -> dict[str, dict]:
    return {f["properties"]["name"]: f["properties"] for f in collection["features"]}


@pytest.mark.parametrize(
    ("userid", "grids"),
    [
        ("liminghua", {"东关一网格"}),
        ("zhouhaitao", {"东关一网格", "东关二网格"}),
        ("chenzhiqiang", {"东关一网格", "东关二网格", "西苑一网格"}),
        ("wangdeshun", {"王庄村网格"}),
        ("songlixin", EVERY_GRID),
    ],
)
async def test_the_grid_layer_holds_exactly_the_grids_in_scope(console, userid, grids):
    assert set(by_name(await layer(console, userid))) == grids


async def test_each_grid_says_its_worker_and_no_phone_number(console):
    found = await layer(console, "songlixin")
    grids = by_name(found)

    assert grids["东关一网格"]["worker"] == "李明华"
    assert grids["王庄村网格"]["path"] == "青禾县/柳河镇/王庄村/王庄村网格"
    assert not re.search(r"1[3-9][0-9]{9}", json.dumps(found))  # staff.csv's phones


async def test_counts_follow_the_reports_and_the_deadlines(console, clock):
    await report(console, "东关一网格", GARBAGE)
    await report(console, "东关一网格", TRAFFIC_LIGHT, NEIGHBOUR)
    await report(console, "西苑一网格", GARBAGE, THIRD)

    before = by_name(await layer(console, "chenzhiqiang"))
    clock.advance(minutes=31)  # nobody accepted within 30 minutes
    after = by_name(await layer(console, "chenzhiqiang"))

    assert [(before[g]["open"], before[g]["overdue"]) for g in ("东关一网格", "东关二网格")] == [
        (2, 0),
        (0, 0),
    ]
    assert (after["东关一网格"]["open"], after["东关一网格"]["overdue"]) == (2, 2)
    assert (after["西苑一网格"]["open"], after["西苑一网格"]["overdue"]) == (1, 1)


async def test_every_feature_reads_as_a_shape_with_few_digits(console):
    found = await layer(console, "songlixin")

    assert found["type"] == "FeatureCollection"
    for feature in found["features"]:
        assert feature["type"] == "Feature"
        geometry = shape(feature["geometry"])
        assert geometry.is_valid and geometry.area > 0
        inside = POINTS[feature["properties"]["name"]]  # where the demo's residents stand
        assert geometry.contains(Point(inside))
    digits = re.findall(r"\d+\.(\d+)", json.dumps([f["geometry"] for f in found["features"]]))
    assert digits and max(len(d) for d in digits) <= 5


async def test_markers_are_the_open_tickets_in_scope_at_about_100_m(console):
    east = await report(console, "东关一网格", GARBAGE)
    west = await report(console, "西苑一网格", TRAFFIC_LIGHT, THIRD)

    mine = await layer(console, "zhouhaitao", "tickets")
    everyone = await layer(console, "songlixin", "tickets")
    village = await layer(console, "wangdeshun", "tickets")

    assert [f["properties"]["code"] for f in mine["features"]] == [east]
    assert {f["properties"]["code"] for f in everyone["features"]} == {east, west}
    assert village["features"] == []
    [marker] = mine["features"]
    lon, lat = POINTS["东关一网格"]
    assert marker["geometry"]["coordinates"] == [round(lon, 3), round(lat, 3)]
    assert marker["properties"] == {"code": east, "category": "环境问题巡查", "overdue": False}


async def test_a_resolved_ticket_leaves_the_counts_and_the_markers(console, clock):
    done = await report(console, "东关一网格", GARBAGE)
    late = await report(console, "东关一网格", TRAFFIC_LIGHT, NEIGHBOUR)
    await console.staff_says("liminghua", f"接单 {done}")
    await console.staff_says("liminghua", f"办结 {done} 已清运")
    clock.advance(minutes=31)  # the other one was never accepted

    grid = by_name(await layer(console, "liminghua"))["东关一网格"]
    markers = (await layer(console, "liminghua", "tickets"))["features"]

    assert (grid["open"], grid["overdue"]) == (1, 1)
    assert [(m["properties"]["code"], m["properties"]["overdue"]) for m in markers] == [
        (late, True)
    ]


async def test_the_grid_layer_is_one_gzipped_response(console):
    async with browser() as http:
        await signed_in(console, http, "songlixin")
        async with http.get(
            f"{console.base}/console/map/grids.json",
            headers={"Accept-Encoding": "gzip"},
            auto_decompress=False,
        ) as response:
            body = await response.read()

    assert response.headers["Content-Encoding"] == "gzip"
    assert response.content_type == "application/geo+json"
    assert len(json.loads(gzip.decompress(body))["features"]) == len(EVERY_GRID)


async def test_the_map_needs_a_session(console):
    async with aiohttp.ClientSession() as http:
        for path in ("/console/map", "/console/map/grids.json", "/console/map/tickets.json"):
            async with http.get(f"{console.base}{path}") as response:
                assert response.status == 401
                assert "map/grids" not in await response.text()


def assets(page: str) -> list[str]:
    return re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)


async def test_the_page_and_every_asset_come_from_gridbot(console):
    async with browser() as http:
        await signed_in(console, http, "zhouhaitao")
        async with http.get(f"{console.base}/console/tickets") as response:
            assert 'href="/console/map"' in await response.text()
        async with http.get(f"{console.base}/console/map") as response:
            page = await response.text()
        found = assets(page)
        for url in found:
            assert urlsplit(url).netloc == "" and url.startswith("/console/")
            async with http.get(f"{console.base}{url}") as asset:
                assert asset.status == 200, url
        async with http.get(f"{console.base}/console/vendor/leaflet/images/layers.png") as image:
            assert image.status == 200 and image.content_type == "image/png"

    assert response.status == 200
    assert "/console/vendor/leaflet/leaflet.js" in found
    assert "/console/vendor/markercluster/leaflet.markercluster.js" in found
    assert "/console/static/console-map.js" in found
    assert 'id="map"' in page and 'data-grids="/console/map/grids.json"' in page
    assert "<script>" not in page  # no inline script: the CSP would refuse it
    assert 'data-tiles=""' in page


async def test_without_tiles_images_come_from_gridbot_only(console):
    response, _ = await fetched(console, "zhouhaitao", "/console/map")

    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self';" in policy and "script-src 'self';" in policy


async def test_with_tiles_the_csp_allows_that_tile_host_and_no_other(seeded_url, clock):
    tiles = {"secure_cookies": False, "tiles": TIANDITU, "tile_subdomains": "01234567"}
    async with running_stack(seeded_url, clock, {**PLAIN_HTTP, "console": tiles}) as stack:
        response, body = await fetched(stack, "zhouhaitao", "/console/map")
        listing, _ = await fetched(stack, "zhouhaitao", "/console/tickets")

    policy = response.headers["Content-Security-Policy"]
    images = re.search(r"img-src ([^;]+);", policy).group(1).split()
    assert images == ["'self'", *(f"https://t{n}.tianditu.gov.cn" for n in range(8))]
    assert "default-src 'self';" in policy and "script-src 'self';" in policy
    assert "tianditu" not in policy.replace(re.search(r"img-src [^;]+;", policy).group(0), "")
    assert "tk=fictional0key" in body.decode() and "TILEMATRIX={z}" in body.decode()
    assert listing.headers["Content-Security-Policy"] == policy  # one policy for the console

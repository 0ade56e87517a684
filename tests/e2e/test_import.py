"""A running service takes up grids imported after it started. The import itself, on SQLite and
PostgreSQL: tests/integration/test_import.py."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from nlu.categories import CATEGORY_IDS
from storage.importer import run_import

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo"


GRIDS, STAFF, ROUTES = DEMO / "grids.geojson", DEMO / "staff.csv", DEMO / "routes.csv"


DEMO_COLLECTION = json.loads(GRIDS.read_text(encoding="utf-8"))


def write_grids(tmp_path: Path, collection: dict) -> Path:
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(collection, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


EAST = (116.42, 36.535)  # east of 东关一网格, outside every demo grid


def with_grid(collection: dict, code: str, name: str, ring: list) -> dict:
    """The collection plus one grid of 东关社区 with this outer ring."""
    grown = copy.deepcopy(collection)
    properties = {**collection["features"][0]["properties"], "code": code, "name": name}
    grown["features"].append(
        {
            "type": "Feature",
            "properties": properties,
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
    )
    return grown


async def test_running_service_takes_up_grids_imported_after_it_started(
    stack, seeded_url, tmp_path
):
    async def share_east() -> str | None:
        reply = await stack.mp.send(stack.mp.location("o_test_east_01", *EAST))
        assert reply.status == 200, reply.body
        return reply.text

    assert "不在我们服务的网格范围内" in await share_east()

    ring = [[116.40, 36.52], [116.44, 36.52], [116.44, 36.55], [116.40, 36.55], [116.40, 36.52]]
    grown = with_grid(DEMO_COLLECTION, "QH-QQ-DG-03", "东关三网格", ring)
    await run_import(
        seeded_url, write_grids(tmp_path, grown), None, None, categories=CATEGORY_IDS
    )  # as `gridbot import`
    assert await stack.services.grids.refresh(stack.services.sessionmaker)  # every few seconds
    assert not await stack.services.grids.refresh(stack.services.sessionmaker)  # once

    assert "东关社区/东关三网格" in await share_east()

    moved = [[116.43, 36.52], [116.44, 36.52], [116.44, 36.55], [116.43, 36.55], [116.43, 36.52]]
    shrunk = with_grid(DEMO_COLLECTION, "QH-QQ-DG-03", "东关三网格", moved)
    await run_import(
        seeded_url, write_grids(tmp_path, shrunk), None, None, categories=CATEGORY_IDS
    )
    assert await stack.services.grids.refresh(stack.services.sessionmaker)

    assert "不在我们服务的网格范围内" in await share_east()  # the boundary moved away from it

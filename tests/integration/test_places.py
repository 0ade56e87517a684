"""The gazetteer on SQLite and PostgreSQL: `gridbot import --places` (name,grid or
name,lat,lon; a bad file writes nothing and names every problem on a line of its own), and a
typed address finding its grid through the org tree's names and the imported places."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from handlers.tickets.places import Gazetteers, find_place, gazetteer
from nlu.categories import CATEGORY_IDS
from storage.db import make_engine, make_sessionmaker
from storage.importer import ImportFailed, run_import
from storage.models import OrgUnit, Place
from storage.uow import UnitOfWork
from tests.conftest import data_key

EAST_GATE_1 = "青禾县/清泉街道/东关社区/东关一网格"
EAST_GATE_2 = "青禾县/清泉街道/东关社区/东关二网格"
WANGZHUANG = "青禾县/柳河镇/王庄村/王庄村网格"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "places.csv"
    path.write_text(text, encoding="utf-8")
    return path


async def import_places(url: str, path: Path):
    return await run_import(url, None, None, None, categories=CATEGORY_IDS, places=path)


async def places_in(url: str) -> dict[str, str]:
    engine = make_engine(url, data_key=data_key())
    try:
        async with make_sessionmaker(engine)() as session:
            rows = await session.execute(
                select(Place.name, OrgUnit.path).join(OrgUnit, OrgUnit.id == Place.grid_id)
            )
            return dict(rows.all())
    finally:
        await engine.dispose()


async def lookup(url: str, text: str):
    engine = make_engine(url, data_key=data_key())
    try:
        async with UnitOfWork.opened(make_sessionmaker(engine)) as uow:
            return await find_place(uow, text)
    finally:
        await engine.dispose()


async def test_places_by_grid_code_or_by_point_land_in_their_grids(seeded_url, tmp_path):
    await import_places(seeded_url, write(tmp_path, "name,grid\n富民路,QH-QQ-DG-02\n"))
    points = "name,lat,lon\n卫生室,36.535,116.360\n王庄小学,36.465,116.410\n"
    summary = await import_places(seeded_url, write(tmp_path, points))

    assert summary.places == 2
    found = await places_in(seeded_url)
    assert found["富民路"] == EAST_GATE_2
    assert found["卫生室"] == EAST_GATE_1 and found["王庄小学"] == WANGZHUANG
    assert found["东关路"] == EAST_GATE_1  # the demo's own places stay


async def test_importing_a_place_again_moves_it_instead_of_adding_it(seeded_url, tmp_path):
    await import_places(seeded_url, write(tmp_path, "name,grid\n东关路,QH-QQ-DG-02\n"))
    found = await places_in(seeded_url)
    assert found["东关路"] == EAST_GATE_2
    assert list(found).count("东关路") == 1


async def test_a_bad_places_file_names_each_problem_on_its_own_line_and_writes_nothing(
    seeded_url, tmp_path
):
    before = await places_in(seeded_url)
    bad = write(
        tmp_path,
        "name,grid\n新华路,QH-QQ-DG-01\n幸福里,QH-NOPE-99\n新华路,QH-QQ-XY-01\n"
        "大桥,青禾县/清泉街道\n,QH-QQ-DG-01\n",
    )
    with pytest.raises(ImportFailed) as failed:
        await import_places(seeded_url, bad)

    problems = failed.value.problems
    assert len(problems) == 4, problems
    assert any("line 4" in p and "'新华路' appears twice" in p for p in problems)
    assert any("line 3" in p and "QH-NOPE-99" in p for p in problems)
    assert any("line 5" in p and "青禾县/清泉街道" in p for p in problems)  # not a grid
    assert any("line 6" in p and "name" in p for p in problems)
    assert await places_in(seeded_url) == before  # 新华路 was fine, and is not written either


async def test_a_point_outside_every_grid_and_a_wrong_header_are_refused(seeded_url, tmp_path):
    with pytest.raises(ImportFailed) as outside:
        await import_places(seeded_url, write(tmp_path, "name,lat,lon\n远处,36.530,116.450\n"))
    assert outside.value.problems == [f"{tmp_path / 'places.csv'}: line 2: "
                                      "point 36.53,116.45 is inside no grid"]  # fmt: skip
    with pytest.raises(ImportFailed) as header:
        await import_places(seeded_url, write(tmp_path, "地名,网格\n东关路,QH-QQ-DG-01\n"))
    assert "header must be name,grid or name,lat,lon" in header.value.problems[0]


@pytest.mark.parametrize(
    "text, path, name",
    [
        ("我住在清泉街道东关路12号", EAST_GATE_1, "东关路"),  # an imported road wins
        ("阳光花园3号楼楼道里堆满了杂物", EAST_GATE_2, "阳光花园"),
        ("东关社区第一网格", EAST_GATE_1, "东关社区第一网格"),
        ("我在东关社区，第二网格这边", EAST_GATE_2, "第二网格"),  # within its community
        ("东关 1网格", EAST_GATE_1, "东关1网格"),
        ("王庄村口的路灯坏了", WANGZHUANG, "王庄村"),  # a village of one grid
        ("柳河镇王庄那边", WANGZHUANG, "王庄"),  # the short form, the most specific name
    ],
)
async def test_a_typed_place_finds_its_grid(seeded_url, text, path, name):
    match = await lookup(seeded_url, text)
    assert (match.path, match.name) == (path, name)


@pytest.mark.parametrize(
    "text",
    [
        "东关社区",  # two grids: which one is not said
        "第一网格",  # in which community?
        "清泉街道",
        "小区门口垃圾好几天没人清理",
    ],
)
async def test_a_place_that_names_no_single_grid_finds_none(seeded_url, text):
    assert await lookup(seeded_url, text) is None


async def kept_lookup(url: str, kept: Gazetteers, text: str):
    engine = make_engine(url, data_key=data_key())
    try:
        async with UnitOfWork.opened(make_sessionmaker(engine)) as uow:
            return (await gazetteer(uow, kept)).find(text)
    finally:
        await engine.dispose()


async def test_a_kept_gazetteer_sees_a_places_import_made_since(seeded_url, tmp_path):
    kept = Gazetteers()
    assert (await kept_lookup(seeded_url, kept, "我住在富民路8号")) is None
    await import_places(seeded_url, write(tmp_path, "name,grid\n富民路,QH-QQ-DG-02\n"))
    found = await kept_lookup(seeded_url, kept, "我住在富民路8号")
    assert found is not None and found.path == EAST_GATE_2
    # and a place moved to another grid is found there at the next message
    await import_places(seeded_url, write(tmp_path, "name,grid\n富民路,QH-QQ-DG-01\n"))
    assert (await kept_lookup(seeded_url, kept, "我住在富民路8号")).path == EAST_GATE_1

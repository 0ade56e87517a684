"""`gridbot import` on SQLite and PostgreSQL: the demo county goes in whole, bad files not."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from nlu.categories import CATEGORY_IDS
from storage.db import make_engine, make_sessionmaker
from storage.importer import ImportFailed, run_import
from storage.models import OrgUnit, Route, Staff
from tests.conftest import data_key

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo"
GRIDS, STAFF, ROUTES = DEMO / "grids.geojson", DEMO / "staff.csv", DEMO / "routes.csv"
STAFF_LINES = STAFF.read_text(encoding="utf-8").splitlines()
NEXT_LINE = len(STAFF_LINES) + 1  # the line number of a row appended to the demo staff file
DEMO_COLLECTION = json.loads(GRIDS.read_text(encoding="utf-8"))
BOW_TIE = [[[116.34, 36.48], [116.38, 36.52], [116.38, 36.48], [116.34, 36.52], [116.34, 36.48]]]


async def read_all(url: str) -> tuple[list[OrgUnit], list[Staff], list[Route]]:
    engine = make_engine(url, data_key=data_key())
    try:
        async with make_sessionmaker(engine)() as session:
            units = list(await session.scalars(select(OrgUnit).order_by(OrgUnit.path)))
            staff = list(await session.scalars(select(Staff).order_by(Staff.userid)))
            routes = list(await session.scalars(select(Route).order_by(Route.id)))
        return units, staff, routes
    finally:
        await engine.dispose()


async def counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url, data_key=data_key())
    try:
        async with engine.connect() as connection:
            return tuple(
                [
                    await connection.scalar(select(func.count()).select_from(model))
                    for model in (OrgUnit, Staff, Route)
                ]
            )
    finally:
        await engine.dispose()


def write_staff(tmp_path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / "staff.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def write_grids(tmp_path: Path, collection: dict) -> Path:
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(collection, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    lines = [n for n, text in enumerate(path.read_text("utf-8").splitlines(), 1) if needle in text]
    return lines[occurrence - 1]


async def test_demo_county_import_builds_the_org_tree_staff_and_routes(database_url):
    summary = await run_import(database_url, GRIDS, STAFF, ROUTES, categories=CATEGORY_IDS)

    assert (summary.grids, summary.units_added, summary.staff, summary.routes) == (5, 12, 17, 4)
    units, staff, routes = await read_all(database_url)
    by_id = {unit.id: unit for unit in units}
    levels = [unit.level for unit in units]
    assert {level: levels.count(level) for level in set(levels)} == {
        "county": 1, "township": 2, "village": 4, "grid": 5,
    }  # fmt: skip
    grid = next(unit for unit in units if unit.code == "QH-QQ-DG-01")
    chain = [grid]
    while chain[-1].parent_id is not None:
        chain.append(by_id[chain[-1].parent_id])
    assert [(u.level, u.path) for u in chain] == [
        ("grid", "青禾县/清泉街道/东关社区/东关一网格"),
        ("village", "青禾县/清泉街道/东关社区"),
        ("township", "青禾县/清泉街道"),
        ("county", "青禾县"),
    ]
    assert grid.name == "东关一网格" and grid.boundary["type"] == "Polygon"
    staff_units = {person.userid: by_id[person.unit_id].path for person in staff}
    assert staff_units["liminghua"] == "青禾县/清泉街道/东关社区/东关一网格"
    assert staff_units["zhouhaitao"] == "青禾县/清泉街道/东关社区"
    assert staff_units["huangwenjie"] == "青禾县"
    assert {(by_id[r.unit_id].path, r.category, r.role) for r in routes} == {
        tuple(line.split(",")) for line in ROUTES.read_text("utf-8").splitlines()[1:]
    }


async def test_importing_the_same_files_again_changes_no_counts(database_url):
    await run_import(database_url, GRIDS, STAFF, ROUTES, categories=CATEGORY_IDS)
    before = await counts(database_url)

    summary = await run_import(database_url, GRIDS, STAFF, ROUTES, categories=CATEGORY_IDS)

    assert summary.units_added == 0
    assert await counts(database_url) == before == (12, 17, 4)


async def test_reimport_updates_a_changed_phone_and_role_in_place(database_url, tmp_path):
    await run_import(database_url, GRIDS, STAFF, ROUTES, categories=CATEGORY_IDS)
    _, staff, _ = await read_all(database_url)
    original = next(person for person in staff if person.userid == "liminghua")
    changed = [
        "liminghua,李明华,139 0000 0001,supervisor,QH-QQ-DG-01" if line.startswith("liminghua")
        else line
        for line in STAFF_LINES
    ]  # fmt: skip

    await run_import(
        database_url, GRIDS, write_staff(tmp_path, changed), ROUTES, categories=CATEGORY_IDS
    )

    _, staff, _ = await read_all(database_url)
    updated = next(person for person in staff if person.userid == "liminghua")
    assert updated.id == original.id and updated.unit_id == original.unit_id
    assert (updated.phone, updated.role) == ("13900000001", "supervisor")
    assert len(staff) == 17


BAD_STAFF_ROWS = {
    "unknown role": ("zhangsan,张三,13800000099,janitor,QH-QQ-DG-01", "role 'janitor'"),
    "bad phone": ("zhangsan,张三,12345,grid_worker,QH-QQ-DG-01", "phone '12345'"),
    "unknown unit": ("zhangsan,张三,13800000099,grid_worker,QH-XX-99", "unit 'QH-XX-99'"),
    "duplicate userid": ("liminghua,李明华,13800000001,grid_worker,QH-QQ-DG-02", "appears twice"),
}


@pytest.mark.parametrize("case", list(BAD_STAFF_ROWS))
async def test_one_bad_staff_row_writes_nothing_and_names_file_line_and_problem(
    database_url, tmp_path, case
):
    row, problem = BAD_STAFF_ROWS[case]
    staff = write_staff(tmp_path, [*STAFF_LINES, row])

    with pytest.raises(ImportFailed) as raised:
        await run_import(database_url, GRIDS, staff, ROUTES, categories=CATEGORY_IDS)

    assert len(raised.value.problems) == 1, raised.value.problems
    assert raised.value.problems[0].startswith(f"{staff}: line {NEXT_LINE}: ")
    assert problem in raised.value.problems[0]
    assert await counts(database_url) == (0, 0, 0)  # not even the grids of the same run


async def test_staff_file_with_the_wrong_header_writes_nothing_and_points_at_line_1(
    database_url, tmp_path
):
    staff = write_staff(tmp_path, ["userid,name,mobile,role,unit", *STAFF_LINES[1:]])

    with pytest.raises(ImportFailed) as raised:
        await run_import(database_url, GRIDS, staff, ROUTES, categories=CATEGORY_IDS)

    assert raised.value.problems == [
        f"{staff}: line 1: header must be userid,name,phone,role,unit"
    ]
    assert await counts(database_url) == (0, 0, 0)


async def test_failed_reimport_leaves_the_earlier_import_untouched(database_url, tmp_path):
    await run_import(database_url, GRIDS, STAFF, ROUTES, categories=CATEGORY_IDS)
    changed = [line.replace("13800000001", "13900000001") for line in STAFF_LINES]
    staff = write_staff(tmp_path, [*changed, "zhangsan,张三,13800000099,grid_worker,QH-XX-99"])

    with pytest.raises(ImportFailed):
        await run_import(database_url, GRIDS, staff, ROUTES, categories=CATEGORY_IDS)

    _, people, _ = await read_all(database_url)
    assert next(p.phone for p in people if p.userid == "liminghua") == "13800000001"
    assert await counts(database_url) == (12, 17, 4)


def _second_feature(change):
    def mutate(collection: dict) -> dict:
        change(collection["features"][1])
        return collection

    return mutate


def _set(key, value):
    return lambda feature: feature["geometry"].update({key: value})


def _drop_code(feature):
    del feature["properties"]["code"]


def _null_properties(feature):
    feature["properties"] = None


BAD_FEATURES = {
    "self-intersecting bow-tie": (_set("coordinates", BOW_TIE), "not valid"),
    "point geometry": (
        lambda f: f.update(geometry={"type": "Point", "coordinates": [116.36, 36.5]}),
        "Polygon or MultiPolygon",
    ),
    "missing code": (_drop_code, "code missing"),
    "null properties": (_null_properties, "missing"),
}


@pytest.mark.parametrize("case", list(BAD_FEATURES))
async def test_bad_grid_feature_is_refused_naming_file_and_feature(database_url, tmp_path, case):
    change, problem = BAD_FEATURES[case]
    grids = write_grids(tmp_path, _second_feature(change)(copy.deepcopy(DEMO_COLLECTION)))

    with pytest.raises(ImportFailed) as raised:
        await run_import(database_url, grids, STAFF, ROUTES, categories=CATEGORY_IDS)

    assert len(raised.value.problems) == 1, raised.value.problems
    message = raised.value.problems[0]
    assert message.startswith(f"{grids}: feature 2") and problem in message
    if "QH-QQ-DG-02" in grids.read_text("utf-8"):
        assert f"(line {line_of(grids, 'QH-QQ-DG-02')})" in message
    assert await counts(database_url) == (0, 0, 0)


async def test_duplicate_grid_code_is_refused_pointing_at_the_second_feature_and_its_line(
    database_url, tmp_path
):
    collection = copy.deepcopy(DEMO_COLLECTION)
    collection["features"][2]["properties"]["code"] = "QH-QQ-DG-01"
    grids = write_grids(tmp_path, collection)

    with pytest.raises(ImportFailed) as raised:
        await run_import(database_url, grids, STAFF, ROUTES, categories=CATEGORY_IDS)

    second = line_of(grids, '"QH-QQ-DG-01"', occurrence=2)
    assert raised.value.problems == [
        f"{grids}: feature 3 (line {second}): code 'QH-QQ-DG-01' appears twice"
    ]
    assert await counts(database_url) == (0, 0, 0)


async def test_broken_json_is_refused_naming_file_and_line(database_url, tmp_path):
    grids = tmp_path / "grids.geojson"
    lines = GRIDS.read_text("utf-8").splitlines()
    lines[6] = lines[6].replace('"code":', '"code"')  # line 7: a missing colon
    grids.write_text("\n".join(lines), encoding="utf-8")

    with pytest.raises(ImportFailed) as raised:
        await run_import(database_url, grids, STAFF, ROUTES, categories=CATEGORY_IDS)

    assert len(raised.value.problems) == 1
    assert raised.value.problems[0].startswith(f"{grids}: line 7: not valid JSON")
    assert await counts(database_url) == (0, 0, 0)


async def test_grids_file_that_is_not_utf8_is_refused_naming_it(database_url, tmp_path):
    grids = tmp_path / "grids.geojson"
    grids.write_bytes(GRIDS.read_text("utf-8").encode("gbk"))  # GeoJSON is UTF-8 (RFC 7946)

    with pytest.raises(ImportFailed) as raised:
        await run_import(database_url, grids, STAFF, ROUTES, categories=CATEGORY_IDS)

    assert raised.value.problems == [f"{grids}: not UTF-8 text"]
    assert await counts(database_url) == (0, 0, 0)


async def test_staff_file_saved_as_gbk_by_excel_is_imported(database_url, tmp_path):
    staff = write_staff(tmp_path, STAFF_LINES, encoding="gbk")

    summary = await run_import(database_url, GRIDS, staff, ROUTES, categories=CATEGORY_IDS)

    assert summary.staff == 17
    _, people, _ = await read_all(database_url)
    assert "李明华" in {person.name for person in people}


async def test_a_bad_staff_row_is_told_every_problem_it_has(database_url, tmp_path):
    staff = write_staff(tmp_path, [*STAFF_LINES, "zhang san,,12345,janitor,"])

    with pytest.raises(ImportFailed) as raised:
        await run_import(database_url, GRIDS, staff, ROUTES, categories=CATEGORY_IDS)

    [problem] = raised.value.problems
    assert problem.startswith(f"{staff}: line {NEXT_LINE}: ")
    for part in ("'zhang san'", "name is empty", "phone '12345'", "role 'janitor'", "unit"):
        assert part in problem, problem


async def test_staff_imported_before_any_grid_are_told_to_import_the_grids_first(database_url):
    with pytest.raises(ImportFailed) as raised:
        await run_import(database_url, None, STAFF, None, categories=CATEGORY_IDS)

    *units, hint = raised.value.problems
    assert len(units) == 17 and all("is not a grid code" in line for line in units)
    assert "17 staff" in hint and "gridbot import --grids" in hint
    assert await counts(database_url) == (0, 0, 0)


# A running service and grids imported after it started

"""The gazetteer alone (handlers/tickets/places.py): which grid a typed address names, from a
small org tree held in memory. On the demo county's database, with imported places:
tests/integration/test_places.py."""

from __future__ import annotations

import pytest

from handlers.tickets.places import Gazetteer, short_forms
from storage.models import OrgUnit, Place

TREE = [
    (1, None, "county", "青禾县"),
    (2, 1, "township", "清泉街道"),
    (3, 2, "village", "东关社区"),
    (4, 3, "grid", "东关一网格"),
    (5, 3, "grid", "东关二网格"),
    (6, 2, "village", "西苑社区"),
    (7, 6, "grid", "西苑一网格"),
    (8, 1, "township", "柳河镇"),
    (9, 8, "village", "王庄村"),
    (10, 9, "grid", "王庄村网格"),
    (11, 8, "village", "新庄村"),
    (12, 11, "grid", "新庄第十二网格"),
]


def tree() -> list[OrgUnit]:
    units, paths = [], {}
    for unit_id, parent, level, name in TREE:
        paths[unit_id] = f"{paths[parent]}/{name}" if parent else name
        units.append(
            OrgUnit(id=unit_id, parent_id=parent, level=level, name=name, path=paths[unit_id])
        )
    return units


GAZETTEER = Gazetteer(tree(), [Place(name="东关路", grid_id=5), Place(name="西苑路", grid_id=7)])


@pytest.mark.parametrize(
    "name, forms",
    [
        ("东关社区", ["东关社区", "东关"]),
        ("清泉街道", ["清泉街道", "清泉"]),
        ("柳河镇", ["柳河镇", "柳河"]),
        ("王庄村", ["王庄村", "王庄"]),
        ("青禾县", ["青禾县", "青禾"]),
        ("东村", ["东村"]),  # one character left is not a name
    ],
)
def test_short_forms_drop_the_kind_of_unit(name, forms):
    assert short_forms(name) == forms


@pytest.mark.parametrize(
    "text, grid, name",
    [
        ("我住在清泉街道东关路12号", 5, "东关路"),
        ("东关社区第一网格", 4, "东关社区第一网格"),
        ("东关社区　第 二 网格", 5, "东关社区第二网格"),  # spaces, full-width too
        ("我在东关社区，第二网格这边", 5, "第二网格"),
        ("东关1网格", 4, "东关1网格"),
        ("新庄村第12网格", 12, "新庄村第12网格"),
        ("王庄村村口", 10, "王庄村"),
        ("西苑那边", 7, "西苑"),  # a community of one grid
        ("东关社区西苑路", 7, "西苑路"),  # the place is more specific than the community
    ],
)
def test_the_most_specific_name_finds_the_grid(text, grid, name):
    match = GAZETTEER.find(text)
    assert (match.grid_id, match.name) == (grid, name)
    assert match.path.endswith(next(n for i, _, _, n in TREE if i == grid))


@pytest.mark.parametrize(
    "text", ["东关社区", "第一网格", "清泉街道", "柳河镇", "今天天气不错", ""]
)
def test_a_text_that_names_no_single_grid_finds_none(text):
    assert GAZETTEER.find(text) is None


def test_two_places_of_equal_weight_in_different_grids_find_none():
    places = [Place(name="幸福路", grid_id=4), Place(name="和平路", grid_id=7)]
    assert Gazetteer(tree(), places).find("幸福路和和平路路口") is None

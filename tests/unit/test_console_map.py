"""The console map's settings and its grid layer's size: `[console] tiles` must be a tile URL
template (its hosts, one per {s}, are what the CSP allows), and 10,000 detailed grids go out
in under 2 MB gzipped (the target of issue 18; bench/console_map.py prints the figures)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from shapely.geometry import shape

from bench.console_map import county, gzipped, layer_of
from config.settings import ConsoleOptions, SettingsError, load_settings
from handlers.console.mapdata import simplified

OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def options(table: dict) -> ConsoleOptions:
    return ConsoleOptions.from_settings(replace(load_settings({}), sections={"console": table}))


def test_without_tiles_no_host_is_allowed():
    assert options({}).tiles == "" and options({}).tile_hosts() == []


def test_the_tile_hosts_are_the_templates_with_each_subdomain():
    assert options({"tiles": OSM}).tile_hosts() == ["https://tile.openstreetmap.org"]
    lettered = options({"tiles": "https://{s}.tile.example.cn/{z}/{x}/{y}.png"})
    assert lettered.tile_hosts() == [f"https://{s}.tile.example.cn" for s in "abc"]


@pytest.mark.parametrize(
    "table",
    [
        {"tiles": "tile.openstreetmap.org/{z}/{x}/{y}.png"},
        {"tiles": "javascript:alert(1)//{z}{x}{y}"},
        {"tiles": "https://tile.openstreetmap.org/{z}/{x}.png"},
        {"tiles": "https://{host}/{z}/{x}/{y}.png"},
        {"tiles": "https://a.cn;script-src 'unsafe-inline'/{z}/{x}/{y}.png"},
        {"tiles": "https://user:secret@tiles.example.cn/{z}/{x}/{y}.png"},
        {"tiles": OSM, "tile_subdomains": "东西"},
        {"tiles": OSM, "tile_subdomains": "a b"},
        {"tiles": OSM, "tile_subdomains": "*"},
        {"tiles": 3},
        {"tiles_attribution": ["天地图"]},
    ],
)
def test_a_bad_tile_setting_stops_start_up_naming_it_but_not_its_key(table):
    with pytest.raises(SettingsError, match=r"\[console\] ti") as refused:
        options(table)
    assert "secret" not in str(refused.value)


def test_a_boundary_that_is_not_a_shape_is_left_off_the_map():
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    found = simplified([(1, json.dumps(square)), (2, None), (3, "{not json"), (4, "[]")])

    assert list(found) == [1] and shape(json.loads(found[1])).area == 1


def test_ten_thousand_detailed_grids_are_under_2_mb_gzipped():
    grids = county()
    body, _ = layer_of(grids)

    assert len(json.loads(body)["features"]) == 10_000
    assert gzipped(body) < 2_000_000

"""The console's 一张图 map page (/console/map) and its two GeoJSON layers, gzipped: the grids
of the visitor's scope in one request, and the open tickets with a point. Leaflet and its
marker clustering come from their pip packages and are served here, under /console/vendor/;
the tile server, when `[console] tiles` names one, is the only other origin the page's CSP
allows, and for images only."""

from __future__ import annotations

import aiohttp_jinja2
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from aiohttp import web

from bot.console.guard import SECURITY, Visit, headers_allowing_images, signed_in
from bot.console.pages import OPTIONS
from config.settings import ConsoleOptions
from handlers import texts
from handlers.console import mapdata

SHAPES = web.AppKey("console_map_shapes", mapdata.Shapes)
VENDOR = {
    "leaflet": xstatic.pkg.leaflet.BASE_DIR,
    "markercluster": xstatic.pkg.leaflet_markercluster.BASE_DIR,
}
GEOJSON = "application/geo+json"


def add_routes(console: web.Application, options: ConsoleOptions) -> None:
    console[SHAPES] = mapdata.Shapes()
    if options.tiles:
        console[SECURITY] = headers_allowing_images(options.tile_hosts())
    for name, folder in VENDOR.items():
        console.router.add_static(f"/vendor/{name}", folder)
    for path, handler in GETS.items():
        console.router.add_get(path, handler)


@signed_in
async def map_page(visit: Visit) -> web.StreamResponse:
    options = visit.request.app[OPTIONS]
    return aiohttp_jinja2.render_template(
        "map.html",
        visit.request,
        visit.context(
            tiles=options.tiles,
            subdomains=options.tile_subdomains,
            attribution=options.tiles_attribution,
            role=texts.roles_named(visit.me.staff.roles),
        ),
    )


@signed_in
async def grids(visit: Visit) -> web.StreamResponse:
    shapes = visit.request.app[SHAPES]
    return _geojson(await mapdata.grid_layer(visit.uow, visit.me.staff, shapes, visit.now))


@signed_in
async def tickets(visit: Visit) -> web.StreamResponse:
    return _geojson(await mapdata.ticket_markers(visit.uow, visit.me.staff, visit.now))


def _geojson(body: bytes) -> web.Response:
    """Gzipped for a client that accepts it (every browser does)."""
    response = web.Response(body=body, content_type=GEOJSON, charset="utf-8")
    response.enable_compression()
    return response


GETS = {"/map": map_page, "/map/grids.json": grids, "/map/tickets.json": tickets}

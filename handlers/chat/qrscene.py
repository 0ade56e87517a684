"""A grid's QR code scanned (`gridbot qrcode` makes them): the resident is placed in that grid
and told who its worker is, with no location needed."""

from __future__ import annotations

from handlers import texts
from handlers.chat import residents
from handlers.inbound import Inbound
from handlers.ports import Ports
from storage.uow import UnitOfWork

GRID_SCENE = "grid:"  # a grid's code carries the scene grid:CODE
ON_SUBSCRIBE = "qrscene_"  # what WeChat puts before the scene when the scan is a subscribe


def grid_scene(code: str) -> str:
    return GRID_SCENE + code


def scene_code(event_key: str) -> str | None:
    """The grid code a scan's EventKey carries; None for a scene that is not a grid's."""
    scene = event_key.removeprefix(ON_SUBSCRIBE)
    return scene.removeprefix(GRID_SCENE) if scene.startswith(GRID_SCENE) else None


async def on_subscribe(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str:
    """A follow, from a grid's QR code or not: the welcome and the consent as always; after a
    grid's code the grid and its worker stand where the welcome asks for the location."""
    welcome = await residents.on_subscribe(uow, msg, ports)
    code = scene_code(msg.event_key)
    if code is None:
        return welcome
    placed = await _place(uow, msg, ports, code)
    return texts.WELCOME_AROUND.format(middle=placed or texts.SCANNED_STALE)


async def on_scan(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str | None:
    """A follower scanned a QR code: a grid's places them; any other scene is not ours."""
    code = scene_code(msg.event_key)
    if code is None:
        return None
    return await _place(uow, msg, ports, code) or texts.SCANNED_STALE


async def _place(uow: UnitOfWork, msg: Inbound, ports: Ports, code: str) -> str | None:
    """Put the resident in the grid and route the reports that waited for one; what to tell
    them, or None when the code names no grid (any more)."""
    grid = await uow.org.grid_coded(code)
    if grid is None:
        return None
    now = ports.clock.now()
    resident = await uow.people.get_or_add_resident(msg.sender, now)
    if resident.grid_id != grid.id:  # a point shared elsewhere no longer says where they are
        resident.lat = resident.lon = resident.place = None
    resident.grid_id, resident.located_at = grid.id, now
    contact = await residents._grid_contact(uow, grid.id, texts.LOCATED)
    routed = await residents.route_waiting(uow, resident, ports)
    return "\n\n".join([f"{texts.SCANNED_GRID}\n{contact}", *routed])

"""`gridbot qrcode`: each grid's permanent QR code (网格化图谱) for the board the county posts,
with the grid's name and its worker under it. A scan places the resident in the grid."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.cli.qrboard import board, find_cjk_font
from bot.wechat_api import ApiError, MpApi
from config.settings import Settings
from handlers import texts
from handlers.chat.qrscene import grid_scene
from handlers.ports import SystemClock
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.repos import Org, People
from storage.tokens import TokenStore

SCENE_CHARS = 64  # WeChat's limit on a QR_LIMIT_STR_SCENE scene_str
NO_FONT = (
    "gridbot qrcode: warning: no Chinese font installed (pip install pylopdf-fonts-zh-cn); "
    "the pictures show the QR code without the grid's name and worker"
)


class Refused(Exception):
    """Nothing to make: the grid is unknown, the settings are missing, or WeChat said no."""


@dataclass(frozen=True)
class Grid:
    code: str
    path: str
    workers: tuple[str, ...]

    def lines(self) -> list[str]:
        worker = (
            texts.QR_BOARD_WORKER.format(worker="、".join(self.workers))
            if self.workers
            else texts.QR_BOARD_NO_WORKER
        )
        return [self.path, worker, self.code]


async def make(settings: Settings, code: str | None, out: Path | None) -> list[str]:
    """The pictures of one grid (`code`) or of every grid (into the folder `out`); one line
    for each picture written."""
    if not (settings.mp_appid and settings.mp_secret):
        raise Refused("set GRIDBOT_MP_APPID and GRIDBOT_MP_SECRET (the Official Account's)")
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        sessionmaker = make_sessionmaker(engine)
        grids = await _grids(sessionmaker, code)
        files = _files(grids, code, out)
        async with aiohttp.ClientSession() as http:
            api = MpApi(
                http,
                settings.mp_api_base,
                SystemClock(),
                settings.mp_appid,
                settings.mp_secret,
                TokenStore(sessionmaker, "mp"),
            )
            urls = [await _url(api, grid) for grid in grids]
    finally:
        await engine.dispose()
    return _draw(grids, urls, files)


async def _grids(sessionmaker, code: str | None) -> list[Grid]:
    async with sessionmaker() as session:
        org, people = Org(session), People(session)
        if code is None:
            units = await org.grids()
            if not units:
                raise Refused("no grids yet: import them first (gridbot import --grids)")
        else:
            unit = await org.grid_coded(code)
            if unit is None:
                raise Refused(f"no grid with code {code!r} (see the grids imported)")
            units = [unit]
        workers: dict[int, list[str]] = {}
        for worker in await people.grid_workers():
            workers.setdefault(worker.unit_id, []).append(worker.name)
    grids = [Grid(u.code, u.path, tuple(workers.get(u.id, ()))) for u in units]
    too_long = [g.code for g in grids if len(grid_scene(g.code)) > SCENE_CHARS]
    if too_long:
        raise Refused(
            f"grid code too long for a QR scene (at most {SCENE_CHARS - len(grid_scene(''))} "
            f"characters): {', '.join(too_long)}"
        )
    return grids


def _files(grids: list[Grid], code: str | None, out: Path | None) -> list[Path]:
    if code is not None:
        name = _file_name(code)
        if out is None:
            return [Path(name)]
        return [out / name if out.is_dir() else out]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise Refused(f"cannot make the folder {out}: {error.strerror or error}") from None
    return [out / _file_name(grid.code) for grid in grids]


def _file_name(code: str) -> str:
    return "qrcode-" + re.sub(r"[^0-9A-Za-z._-]", "_", code) + ".png"


async def _url(api: MpApi, grid: Grid) -> str:
    try:
        answer = await api.create_qrcode(grid_scene(grid.code))
    except ApiError as error:
        raise Refused(f"WeChat refused the QR code of {grid.code}: {error}") from None
    except (aiohttp.ClientError, TimeoutError) as error:
        raise Refused(f"WeChat could not be reached: {type(error).__name__}") from None
    if not answer.get("url"):
        raise Refused(f"WeChat's answer for {grid.code} has no url")
    return answer["url"]


def _draw(grids: list[Grid], urls: list[str], files: list[Path]) -> list[str]:
    font = find_cjk_font()
    if font is None:
        print(NO_FONT, file=sys.stderr)
    written = []
    for grid, url, file in zip(grids, urls, files, strict=True):
        try:
            board(url, grid.lines(), texts.QR_BOARD_HINT, font).save(file, "PNG")
        except OSError as error:
            raise Refused(f"cannot write {file}: {error.strerror or error}") from None
        written.append(f"{file}  {grid.code}  {grid.path}  {url}")
    return written

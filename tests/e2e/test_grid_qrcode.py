"""`gridbot qrcode` as an operator runs it, against the fake WeChat API on loopback: each grid's
permanent QR code (QR_LIMIT_STR_SCENE, scene grid:CODE), drawn here from the url WeChat gives,
with the grid's name and its worker under it.

The demo county (config/demo) has five grids; 东关一网格 QH-QQ-DG-01's worker is 李明华."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import update

from bot.cli.qrboard import find_cjk_font
from bot.devkit.demo import serving
from bot.devkit.fake_wechat import FakeWeChat
from storage.db import make_engine
from storage.models import OrgUnit
from tests.cli import CHANNELS, run_gridbot
from tests.qrcodes import decoded, expected_modules, modules_of

ONLY_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
DEMO_GRIDS = ["QH-LH-LJW-01", "QH-LH-WZ-01", "QH-QQ-DG-01", "QH-QQ-DG-02", "QH-QQ-XY-01"]


@pytest.fixture
async def wechat(seeded_url):
    """The fake WeChat API and a `gridbot` that uses it (run off the loop serving the fake)."""
    fake = FakeWeChat(CHANNELS["GRIDBOT_MP_APPID"], CHANNELS["GRIDBOT_MP_SECRET"], "ww", "s")
    async with serving(fake.app()) as base:
        env = {**CHANNELS, "GRIDBOT_DATABASE_URL": seeded_url, "GRIDBOT_MP_API_BASE": base}

        async def gridbot(*args: str, cwd: Path) -> subprocess.CompletedProcess:
            return await asyncio.to_thread(run_gridbot, *args, env=env, cwd=cwd, timeout=60)

        yield fake, gridbot


async def test_grid_code_is_drawn_from_wechats_url_with_the_grid_and_its_worker(wechat, tmp_path):
    fake, gridbot = wechat

    result = await gridbot("qrcode", "--grid", "QH-QQ-DG-01", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    png = tmp_path / "qrcode-QH-QQ-DG-01.png"
    url = fake.qrcodes["QR_LIMIT_STR_SCENE:grid:QH-QQ-DG-01"]  # asked for, permanent, this scene
    assert url in result.stdout and "东关一网格" in result.stdout
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    picture = Image.open(png)
    assert picture.format == "PNG" and picture.height > picture.width >= 300
    assert modules_of(png) == expected_modules(url)
    assert decoded(png) in (None, url)
    if find_cjk_font():
        assert "warning" not in result.stderr
    else:
        assert "no Chinese font" in result.stderr


async def test_all_grids_get_a_picture_each_in_the_folder(wechat, tmp_path):
    fake, gridbot = wechat
    folder = tmp_path / "boards"

    result = await gridbot("qrcode", "--all", "--out", str(folder), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == [f"qrcode-{c}.png" for c in DEMO_GRIDS]
    for code in DEMO_GRIDS:
        url = fake.qrcodes[f"QR_LIMIT_STR_SCENE:grid:{code}"]
        assert modules_of(folder / f"qrcode-{code}.png") == expected_modules(url)
    single = tmp_path / "single"
    single.mkdir()
    again = await gridbot("qrcode", "--grid", "QH-QQ-XY-01", "--out", str(single), cwd=tmp_path)
    assert again.returncode == 0 and (single / "qrcode-QH-QQ-XY-01.png").is_file()
    assert len(fake.qrcodes) == 5  # asked again, a permanent code stays the same


@ONLY_SQLITE
async def test_unknown_grid_code_is_refused_and_nothing_is_asked_or_written(wechat, tmp_path):
    fake, gridbot = wechat

    result = await gridbot("qrcode", "--grid", "QH-QQ-OLD-09", cwd=tmp_path)

    assert result.returncode == 1
    assert "no grid with code 'QH-QQ-OLD-09'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.png")) and not fake.qrcodes


@ONLY_SQLITE
async def test_wechat_refusing_the_code_is_told_in_one_line(wechat, tmp_path):
    fake, gridbot = wechat
    fake.fail_next.append({"errcode": 48001, "errmsg": "api unauthorized"})

    result = await gridbot("qrcode", "--grid", "QH-QQ-DG-01", cwd=tmp_path)

    assert result.returncode == 1
    assert "WeChat refused the QR code of QH-QQ-DG-01: errcode 48001" in result.stderr
    assert "Traceback" not in result.stderr and not list(tmp_path.glob("*.png"))


@ONLY_SQLITE
async def test_grid_code_too_long_for_a_qr_scene_is_refused_before_wechat(
    wechat, seeded_url, tmp_path
):
    fake, gridbot = wechat
    long = "QH-" + "9" * 57  # with "grid:" 65 characters, one over WeChat's 64
    await _recode(seeded_url, "QH-QQ-DG-01", long)

    result = await gridbot("qrcode", "--grid", long, cwd=tmp_path)

    assert result.returncode == 1 and "too long for a QR scene" in result.stderr
    assert not fake.qrcodes and not list(tmp_path.glob("*.png"))


async def _recode(url: str, old: str, new: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.execute(update(OrgUnit).where(OrgUnit.code == old).values(code=new))
    await engine.dispose()


def test_all_without_a_folder_is_a_usage_error(tmp_path):
    result = run_gridbot("qrcode", "--all", cwd=tmp_path)
    assert result.returncode == 2 and "--all needs --out DIR" in result.stderr

"""The real `gridbot` command, run as a subprocess the way an operator runs it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from bot.devkit.demo import DEMO_DATA_KEY
from tests.cli import CHANNELS, ROOT, run_gridbot

DEMO = ROOT / "config" / "demo"
GRIDS, STAFF, ROUTES = DEMO / "grids.geojson", DEMO / "staff.csv", DEMO / "routes.csv"


def gridbot(
    cwd: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess:
    return run_gridbot(*args, env=env, cwd=cwd, stdin=stdin, timeout=60)


def serving_env(tmp_path: Path, **changes: str) -> dict[str, str]:
    env = {
        **CHANNELS,
        "GRIDBOT_DATA_KEY": DEMO_DATA_KEY,
        "GRIDBOT_HOST": "127.0.0.1",
        "GRIDBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
        **changes,
    }
    return {name: value for name, value in env.items() if value is not None}


def test_serve_without_mp_token_exits_with_one_line_naming_it(tmp_path):
    result = gridbot(tmp_path, "serve", env=serving_env(tmp_path, GRIDBOT_MP_TOKEN=None))

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "GRIDBOT_MP_TOKEN" in lines[0]


def test_serve_with_a_port_that_is_not_a_number_exits_with_one_line_naming_it(tmp_path):
    result = gridbot(tmp_path, "serve", env=serving_env(tmp_path, GRIDBOT_PORT="abc"))

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "GRIDBOT_PORT" in lines[0] and "abc" in lines[0]


def import_env(tmp_path: Path) -> dict[str, str]:
    return {"GRIDBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'gridbot.db'}"}


def test_import_of_the_demo_county_succeeds_and_prints_a_summary(tmp_path):
    result = gridbot(
        tmp_path, "import", "--grids", str(GRIDS), "--staff", str(STAFF), "--routes", str(ROUTES),
        env=import_env(tmp_path),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "5 grids (12 new units), 17 staff, 4 routes" in result.stdout
    assert (tmp_path / "gridbot.db").exists()


def test_failed_import_names_file_and_line_and_a_corrected_import_then_works(tmp_path):
    bad = tmp_path / "staff.csv"
    lines = STAFF.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([*lines, "zhangsan,张三,12345,grid_worker,QH-QQ-DG-01"]), "utf-8")

    failed = gridbot(
        tmp_path, "import", "--grids", str(GRIDS), "--staff", str(bad), env=import_env(tmp_path)
    )

    assert failed.returncode == 1
    assert f"{bad}: line {len(lines) + 1}: phone '12345'" in failed.stderr
    assert "nothing was written" in failed.stderr

    good = gridbot(
        tmp_path, "import", "--grids", str(GRIDS), "--staff", str(STAFF), env=import_env(tmp_path)
    )

    assert good.returncode == 0, good.stderr
    assert "5 grids (12 new units), 17 staff" in good.stdout  # the failed run left no units


def test_places_import_with_the_grids_then_a_bad_file_names_each_problem_and_writes_nothing(
    tmp_path,
):
    places = tmp_path / "places.csv"
    places.write_text("name,lat,lon\n东关小学,36.535,116.360\n", "utf-8")
    good = gridbot(
        tmp_path, "import", "--grids", str(GRIDS), "--places", str(places),
        env=import_env(tmp_path),
    )  # fmt: skip
    assert good.returncode == 0, good.stderr
    assert "1 places" in good.stdout

    places.write_text("name,grid\n新华路,QH-NOPE\n东关小学,QH-QQ-DG-01\n东关小学,QH-QQ-DG-02\n")
    bad = gridbot(tmp_path, "import", "--places", str(places), env=import_env(tmp_path))

    assert bad.returncode == 1
    problems = [line.strip() for line in bad.stderr.splitlines()[1:]]
    assert problems == [
        f"{places}: line 4: name '东关小学' appears twice (first on line 3)",
        f"{places}: line 2: grid 'QH-NOPE' is not a known grid code or path",
    ]
    assert "nothing was written" in bad.stderr


DEMO_SCRIPT = """\
小区门口垃圾堆了好几天，臭得很
/位置 东关一网格
/切换 liminghua
我的工单
/退出
"""


def test_demo_shows_resident_reply_staff_notice_and_the_workers_ticket_list(tmp_path):
    result = gridbot(tmp_path, "demo", stdin=DEMO_SCRIPT)

    assert result.returncode == 0, result.stderr
    out = result.stdout
    before_location, _, after_location = out.partition("居民 > （发送位置")
    assert "网格通 ⇒" in before_location.partition("居民 > 小区门口垃圾")[2]  # report answered
    assert "东关一网格" in after_location and "李明华" in after_location  # grid and its worker
    notice = after_location.partition("【企业微信 → 李明华（liminghua）】")[2]
    found = re.search(r"GB-[0-9A-Z]+", notice)
    assert found, out
    code = found.group(0)
    assert "垃圾" in notice.partition("现在你是")[0]
    ticket_list = out.partition("李明华（企业微信）> 我的工单")[2]
    assert code in ticket_list and "网格通 ⇒" in ticket_list
    assert "演示结束" in out

"""What the operator sees when the `gridbot` command cannot do its work: a database that is not
there, or a reader that stopped reading (`| head`). One line, or nothing; never a traceback."""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.devkit.demo import DEMO_DATA_KEY
from storage.crypto import new_key
from tests.cli import CHANNELS, ROOT, run_gridbot
from tests.registry_files import GRIDS, HOUSEHOLDS, ROUTES, STAFF

REFUSING = "postgresql+asyncpg://gridbot:s3cret@127.0.0.1:1/gridbot"  # nothing listens on 1
DATABASE_COMMANDS = {
    "serve": ["serve"],
    "scheduler": ["scheduler"],
    "chat": ["chat"],
    "import": ["import", "--grids", str(GRIDS), "--staff", str(STAFF), "--routes", str(ROUTES)],
    "import households": ["import", "--households", str(HOUSEHOLDS)],
    "ticket list": ["ticket", "list"],
    "ticket show": ["ticket", "show", "GB-20261126-0001"],
    "export": ["export", "households"],
    "audit list": ["audit", "list"],
    "outbox list": ["outbox", "list"],
    "report": ["report", "assessment", "--quarter", "2026Q4"],
    "rotate-key": ["registry", "rotate-key"],
    "resident forget": ["resident", "forget", "o_someone"],
    "qrcode": ["qrcode", "--grid", "QH-QQ-DG-01"],
}


def free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def gridbot(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        **CHANNELS,
        "GRIDBOT_DATABASE_URL": url,
        "GRIDBOT_DATA_KEY": DEMO_DATA_KEY,
        "GRIDBOT_NEW_DATA_KEY": new_key(),
        "GRIDBOT_HOST": "127.0.0.1",
        "GRIDBOT_PORT": free_port(),
    }
    return run_gridbot(*args, env=env, stdin="", timeout=90)


def only_line(result: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", list(DATABASE_COMMANDS))
def test_a_database_that_refuses_connections_is_named_in_one_line(command):
    result = gridbot(REFUSING, *DATABASE_COMMANDS[command])

    line = only_line(result)
    assert result.returncode == 1
    assert line == "gridbot: database unreachable: 127.0.0.1:1/gridbot: connection refused"
    assert "s3cret" not in result.stderr + result.stdout


@pytest.mark.parametrize("command", ["serve", "import", "ticket list", "export"])
def test_an_sqlite_file_in_a_folder_that_does_not_exist_is_named_in_one_line(command, tmp_path):
    missing = tmp_path / "no-such-folder" / "gridbot.db"

    result = gridbot(f"sqlite+aiosqlite:///{missing}", *DATABASE_COMMANDS[command])

    line = only_line(result)
    assert result.returncode == 1
    assert line.startswith(f"gridbot: database unreachable: {missing}: ")
    assert f"folder {missing.parent} does not exist" in line


# A reader that stops reading --------------------------------------------------------------


def many_households(path: Path, count: int) -> Path:
    """`count` households of one grid, with addresses long enough to fill a pipe quickly."""
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(
            [
                "code",
                "grid",
                "address",
                "head_name",
                "phone",
                "id_number",
                "members",
                "tags",
                "note",
            ]
        )
        for n in range(count):
            writer.writerow(
                [
                    f"H{n:05d}",
                    "QH-QQ-DG-01",
                    f"清泉街道东关路{n}号" + "东" * 60,
                    "张建明",
                    "",
                    "",
                    "1",
                    "",
                    "",
                ]
            )
    return path


def test_export_read_by_a_reader_that_stops_after_one_line_ends_quietly(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'gridbot.db'}"
    households = many_households(tmp_path / "households.csv", 2000)  # far more than a pipe holds
    imported = gridbot(
        url,
        "import",
        "--grids",
        str(GRIDS),
        "--staff",
        str(STAFF),
        "--routes",
        str(ROUTES),
        "--households",
        str(households),
    )
    assert imported.returncode == 0, imported.stderr
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GRIDBOT_")}
    environ.update(PYTHONPATH=str(ROOT), GRIDBOT_DATABASE_URL=url, GRIDBOT_DATA_KEY=DEMO_DATA_KEY)

    export = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "export", "households"],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = export.stdout.readline()
    export.stdout.close()  # as `| head -1` does
    errors = export.stderr.read().decode()
    status = export.wait(timeout=60)

    assert first.startswith(b"code,grid,address")
    assert errors == ""
    assert status == 141  # what a shell reports for a program stopped by SIGPIPE

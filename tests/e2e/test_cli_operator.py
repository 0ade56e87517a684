"""An operator's first day with the `gridbot` command: it says which version it is, what each
subcommand is for, every setting still missing in one go, and a command that only reads makes
no database in a folder where there is none."""

from __future__ import annotations

import tomllib

import pytest

from bot.devkit.demo import DEMO_DATA_KEY
from tests.cli import CHANNELS, ROOT, run_gridbot

READING = {
    "ticket list": ["ticket", "list"],
    "ticket list --json": ["ticket", "list", "--json"],
    "ticket show": ["ticket", "show", "GB-4BWS8"],
    "staff list": ["staff", "list"],
    "outbox list": ["outbox", "list"],
    "audit list": ["audit", "list"],
    "report": ["report", "assessment", "--quarter", "2026Q3"],
    "export": ["export", "households"],
}


def test_version_is_the_package_version():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]

    result = run_gridbot("--version")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"gridbot {version}"


@pytest.mark.parametrize(
    ("command", "description"),
    [
        (["serve"], "run the HTTP service"),
        (["demo"], "try everything on one machine"),
        (["ticket", "list"], "tickets as a table"),
    ],
)
def test_a_subcommands_help_says_what_it_is_for(command, description):
    result = run_gridbot(*command, "--help")

    assert result.returncode == 0, result.stderr
    usage, *rest = result.stdout.split("\n\n")
    assert rest and rest[0].strip().startswith(description), result.stdout


def test_serve_with_nothing_set_names_every_missing_setting_at_once(tmp_path):
    result = run_gridbot(
        "serve", env={"GRIDBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"gridbot: configuration error: {len(CHANNELS) + 1} problems")
    for name in [*CHANNELS, "GRIDBOT_DATA_KEY"]:
        assert f"  {name}: missing" in result.stderr, result.stderr


def test_serve_names_a_malformed_value_and_the_missing_ones_together(tmp_path):
    env = {**CHANNELS, "GRIDBOT_PORT": "abc"}
    del env["GRIDBOT_MP_TOKEN"]

    result = run_gridbot("serve", env=env, cwd=tmp_path)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "gridbot: configuration error: 3 problems:"
    assert sorted(line.split(":")[0].strip() for line in lines[1:]) == [
        "GRIDBOT_DATA_KEY",
        "GRIDBOT_MP_TOKEN",
        "GRIDBOT_PORT",
    ]


@pytest.mark.parametrize("command", list(READING))
def test_a_command_that_only_reads_makes_no_database_in_an_empty_folder(command, tmp_path):
    result = run_gridbot(
        *READING[command], env={"GRIDBOT_DATA_KEY": DEMO_DATA_KEY}, cwd=tmp_path, timeout=60
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "no database gridbot.db yet" in result.stderr
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []

"""`gridbot open311 keys add|list|revoke` as an operator runs it, on a fresh SQLite file."""

from __future__ import annotations

import re

from tests.cli import run_gridbot


def gridbot(tmp_path, *args: str):
    env = {"GRIDBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'gridbot.db'}"}
    return run_gridbot("open311", "keys", *args, env=env, cwd=tmp_path, timeout=60)


def test_a_key_is_printed_once_listed_without_it_and_revoked(tmp_path):
    added = gridbot(tmp_path, "add", "fixmystreet")
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", key)

    listed = gridbot(tmp_path, "list")
    assert "fixmystreet" in listed.stdout and key not in listed.stdout
    assert key not in (tmp_path / "gridbot.db").read_bytes().decode("latin-1")  # only a hash

    again = gridbot(tmp_path, "add", "fixmystreet")
    assert again.returncode == 1 and "exists already" in again.stderr

    revoked = gridbot(tmp_path, "revoke", "fixmystreet")
    assert revoked.returncode == 0 and "revoked fixmystreet" in revoked.stdout
    line = next(x for x in gridbot(tmp_path, "list").stdout.splitlines() if "fixmystreet" in x)
    assert line.split()[-1] != "-"  # the time it was revoked
    twice = gridbot(tmp_path, "revoke", "fixmystreet")
    assert twice.returncode == 1 and "no key named 'fixmystreet'" in twice.stderr


def test_a_key_for_a_unit_that_does_not_exist_is_refused(tmp_path):
    refused = gridbot(tmp_path, "add", "township", "--unit", "青禾县/无此镇")

    assert refused.returncode == 1 and "no unit" in refused.stderr
    assert "township" not in gridbot(tmp_path, "list").stdout

"""The `gridbot` command run as an operator would: a separate process that sees only the
settings a test gives it (none of the developer's own GRIDBOT_* variables)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The channel settings `gridbot serve` needs, for the CLI tests that start it.
CHANNELS = {
    "GRIDBOT_MP_APPID": "wx0000000000demo01",
    "GRIDBOT_MP_SECRET": "mp-secret",
    "GRIDBOT_MP_TOKEN": "mp-token",
    "GRIDBOT_WORK_CORPID": "ww0000000000demo01",
    "GRIDBOT_WORK_AGENTID": "1000002",
    "GRIDBOT_WORK_SECRET": "work-secret",
    "GRIDBOT_WORK_TOKEN": "work-token",
    "GRIDBOT_WORK_AES_KEY": base64.b64encode(bytes(range(32))).decode().rstrip("="),
}


def run_gridbot(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    stdin: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess:
    return subprocess.run(
        gridbot_command(*args),
        cwd=cwd,
        env=gridbot_environment(env),
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def gridbot_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *args]


def gridbot_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """The operator's environment: none of the developer's GRIDBOT_* variables, only `env`."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GRIDBOT_")}
    environ.update(PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8", **(env or {}))
    return environ

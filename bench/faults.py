"""Fault bench: residents' reports pushed as WeChat pushes them (5 s timeout, three retries) to a
real `gridbot serve` killed with SIGKILL at random moments and restarted; then every report
answered 200 must have one ticket, every ticket one 【新工单】 notice, every resident one reply
with their ticket's code.

    .venv/bin/python bench/faults.py                      # SQLite and PostgreSQL, 20 kills each
    .venv/bin/python bench/faults.py --sqlite --kills 50 --retry-seconds 1 --seed 7

Everything listens on 127.0.0.1; the WeChat and WeCom APIs are the local fake. Exits 1 when
an invariant fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.devkit.demo import DEMO_DATA_KEY, seed  # noqa: E402
from storage.crypto import DataKey  # noqa: E402
from storage.db import make_engine  # noqa: E402
from tests.kill_findings import Findings  # noqa: E402
from tests.kill_run import Plan, run  # noqa: E402
from tests.kill_state import explain  # noqa: E402
from tests.wechat_retries import RETRY_SECONDS  # noqa: E402

PG_SERVER = os.environ.get("GRIDBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
DATABASES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


@contextlib.asynccontextmanager
async def fresh_database(kind: str, folder: Path, keep: bool) -> AsyncIterator[str]:
    """An empty database of this kind; dropped afterwards unless `keep`."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'faults.db'}"
        return
    name = f"gridbot_faults_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_SERVER)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield "postgresql+asyncpg://" + PG_SERVER.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name
    finally:
        if not keep:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def one_database(kind: str, plan: Plan, keep: bool) -> bool:
    """Run the plan on a fresh database of this kind and print its table; True if every
    invariant held."""
    folder = Path(tempfile.mkdtemp(prefix=f"gridbot-faults-{kind}-"))
    started = time.monotonic()
    async with fresh_database(kind, folder, keep) as url:
        await seed(url)
        findings = await run(url, plan, folder)
        print(findings.table(_title(kind, plan, time.monotonic() - started)))
        if findings.failures():
            await _explain(url, findings)
    held = not findings.failures()
    if keep or not held:
        print(f"serve log and files kept in {folder}" + (f" (database {url})" if keep else ""))
    else:
        shutil.rmtree(folder)
    return held


def _title(kind: str, plan: Plan, seconds: float) -> str:
    return (
        f"\n== {DATABASES[kind]}: seed {plan.seed}, {plan.kills} kills, {plan.reports} "
        f"reports, {plan.in_flight} in flight, WeChat retries {plan.spacing:g} s apart "
        f"({seconds:.0f} s)"
    )


async def _explain(url: str, findings: Findings) -> None:
    engine = make_engine(url, data_key=DataKey.from_text(DEMO_DATA_KEY))
    try:
        for line in await explain(engine, findings):
            print("   ", line)
    finally:
        await engine.dispose()


async def main(args: argparse.Namespace) -> int:
    plan = Plan(
        reports=args.reports,
        kills=args.kills,
        seed=args.seed,
        spacing=args.retry_seconds,
        in_flight=args.in_flight,
    )
    kinds = [kind for kind in DATABASES if getattr(args, kind)] or list(DATABASES)
    held = [await one_database(kind, plan, args.keep) for kind in kinds]
    return 0 if all(held) else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite (default: both)")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL (default: both)")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--reports", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--in-flight", type=int, default=10)
    parser.add_argument(
        "--retry-seconds",
        type=float,
        default=RETRY_SECONDS,
        help="spacing of WeChat's retries (WeChat's own: 5)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases and serve logs")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))

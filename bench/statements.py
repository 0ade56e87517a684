"""SQL statements a resident's report costs, from the webhook to the WeCom notice in the outbox.

    .venv/bin/python bench/statements.py [--database sqlite|postgresql] [--show]

The whole service runs on loopback HTTP (fake WeChat APIs, the demo county); a located
resident sends distinct reports, each of which becomes its own routed ticket. Every statement
the service's engine sends is counted (BEGIN and COMMIT included, as the driver sees them);
`--show` lists the statements of the last report.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.devkit.demo import seed  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from tests.conftest import FakeClock, embedded_classifier  # noqa: E402
from tests.stack import running_stack  # noqa: E402

REPORTS = (
    "小区门口垃圾堆了好几天没人清理，臭得很",
    "河边有人往水里倒建筑垃圾，水都变色了",
    "菜市场后面的下水道堵了，污水流到路上",
    "楼下饭店油烟直冲我家窗户，一开窗全是油味",
    "工地晚上十二点还在打桩，吵得睡不着",
)


async def measure(url: str, show: bool) -> list[int]:
    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()
    await seed(url)
    counts: list[int] = []
    async with running_stack(url, FakeClock(), classifier=embedded_classifier()) as stack:
        sent: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):
            sent.append(statement)

        sync_engine = stack.services.engine.sync_engine
        event.listen(sync_engine, "before_cursor_execute", count)
        await stack.locate("东关一网格")
        await stack.say("你好")  # the resident's row and the grid index are warm
        for text in REPORTS:
            sent.clear()
            reply = await stack.say(text)
            assert reply and "GB-" in reply, reply
            counts.append(len(sent))
        event.remove(sync_engine, "before_cursor_execute", count)
        if show:
            for statement in sent:
                print("  " + " ".join(statement.split())[:160])
        tickets = await stack.tickets()
        assert len(tickets) == len(REPORTS) and all(t.assignee_id for t in tickets)
    return counts


async def on_postgresql(server: str, show: bool) -> list[int]:
    """In a database of its own next to `server`'s, dropped at the end."""
    name = f"gridbot_bench_{uuid.uuid4().hex[:12]}"
    plain = server.replace("+asyncpg", "")
    connection = await asyncpg.connect(plain)
    await connection.execute(f'CREATE DATABASE "{name}"')
    try:
        return await measure(server.rsplit("/", 1)[0] + "/" + name, show)
    finally:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.database == "sqlite":
            counts = asyncio.run(measure(f"sqlite+aiosqlite:///{folder}/bench.db", args.show))
        else:
            counts = asyncio.run(on_postgresql(args.url, args.show))
    print(f"{args.database}: statements per routed report {counts} (median {sorted(counts)[2]})")


if __name__ == "__main__":
    main()

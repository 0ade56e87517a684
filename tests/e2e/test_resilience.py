"""A slow or failing step never loses what a resident sent, and never answers with a 500."""

from __future__ import annotations

import asyncpg
from sqlalchemy import select

from bot import wire
from nlu.keywords import KeywordClassifier
from storage.models import InboundMessage
from tests.fakes import BrokenClassifier
from tests.stack import RESIDENT, running_stack


async def test_failing_step_keeps_the_message_and_says_sorry(seeded_sqlite, clock):
    from bot.app import SERVICES  # noqa: F401  (documents where the classifier is wired)

    async with running_stack(seeded_sqlite, clock, classifier=BrokenClassifier()) as stack:
        reply = await stack.say("楼下的井盖不见了，很危险")
        assert "已经保存" in reply
        async with stack.services.sessionmaker() as session:
            kept = await session.scalar(select(InboundMessage))
        assert kept.status == "failed"
        assert wire.inbound("mp", kept.content).text == "楼下的井盖不见了，很危险"
        assert await stack.tickets() == []


async def test_database_outage_answers_503_so_wechat_retries_and_nothing_is_lost(pg_server, clock):
    from bot.devkit.demo import seed
    from tests.conftest import _create_pg_database, _drop_pg_database

    name = await _create_pg_database(pg_server)
    base = pg_server.split("://", 1)[1].rsplit("/", 1)[0]
    url = f"postgresql+asyncpg://{base}/{name}"
    admin = await asyncpg.connect(pg_server)
    try:
        await seed(url)
        async with running_stack(url, clock, classifier=KeywordClassifier()) as stack:
            await stack.locate("东关一网格")
            query, body = stack.mp.sign(stack.mp.text(RESIDENT, "路口红绿灯坏了"))
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                name,
            )
            await admin.execute(f'ALTER DATABASE "{name}" RENAME TO "{name}_away"')
            try:
                down = await stack.mp.post(query, body.encode())
            finally:
                await admin.execute(f'ALTER DATABASE "{name}_away" RENAME TO "{name}"')
            assert down.status == 503

            retried = await stack.mp.post(query, body.encode())  # WeChat's retry
            assert retried.status == 200 and "工单号" in retried.text
            assert len(await stack.tickets()) == 1
    finally:
        await admin.close()
        await _drop_pg_database(pg_server, name)

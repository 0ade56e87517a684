"""Personal free text is sealed at rest with the registry's key: a stolen database file (or a
dump of PostgreSQL) shows no report text, note, resolution, message or reply in clear; an
answer with registry details is cleared from the outbox once sent; what an older gridbot
wrote in clear is sealed on upgrade."""

from __future__ import annotations

from pathlib import Path

import asyncpg
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot import wire
from bot.devkit.simulator import to_xml
from bot.dispatcher import Waiting
from storage.models import OutboxMessage

PHONE, ID_NUMBER, NAME = "13912345678", "110101199001011237", "孙小红"
REPORT = f"我是{NAME}，电话{PHONE}，身份证{ID_NUMBER}，小区门口垃圾好几天没人清理"
WORKER_PHONE = "13987654321"  # a number the worker writes in the resolution
SECRETS = (PHONE, ID_NUMBER, NAME, WORKER_PHONE)


async def test_reports_notes_messages_and_replies_are_not_in_clear_at_rest(stack):
    await stack.locate("东关一网格")
    code = wire_code(await stack.say(REPORT))
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} 已联系{NAME}（{WORKER_PHONE}），垃圾已清运")
    await stack.staff_says("liminghua", "开始巡查")
    await stack.staff_says("liminghua", f"巡查结束 {NAME}家门口的井盖丢了，电话{PHONE}")
    await stack.drain()
    assert any(PHONE in sent for sent in stack.fake.to("liminghua"))  # it was all real

    found = await _in_clear(stack.services.settings.database_url, SECRETS)
    assert found == []
    [ticket] = [t for t in await stack.tickets() if t.code == code]
    assert ticket.text == REPORT  # and it opens again with the key


async def test_an_answer_with_registry_details_is_cleared_from_the_outbox_once_sent(stack):
    services = stack.services
    raw = to_xml(
        {
            "ToUserName": "wwd0e00000000demo",
            "FromUserName": "liminghua",
            "CreateTime": 1,
            "MsgType": "text",
            "Content": "户 H0001 全部",
            "MsgId": 920001,
            "AgentID": 1000002,
        }
    )
    entry = await services.inbox.journal(
        channel="work",
        key="msg:920001",
        sender="liminghua",
        kind="text",
        content=raw,
        nonce="3:n",
        now=services.clock.now(),
    )
    assert (
        await services.dispatcher.handle(entry.id, wire.inbound("work", raw), Waiting(webhooks=0))
        is None
    )  # answered late
    await stack.drain()
    [answer] = [text for text in stack.fake.to("liminghua") if "H0001" in text]
    assert "13900000001" in answer  # the whole record reached the worker...
    async with services.sessionmaker() as session:
        [row] = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedup_key.like("reply:%"))
        )
    assert row.state == "sent" and row.body["text"] == ""  # ...and is not kept


def wire_code(reply: str) -> str:
    return reply.split("工单号：", 1)[1].split()[0]


async def _in_clear(url: str, secrets: tuple[str, ...]) -> list[str]:
    """Where any of `secrets` sits in clear: the SQLite files' bytes, or every text column of
    every PostgreSQL table."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        files = [Path(parsed.database), Path(parsed.database + "-wal")]
        data = b"".join(path.read_bytes() for path in files if path.exists())
        return [secret for secret in secrets if secret.encode() in data]
    connection = await asyncpg.connect(
        user=parsed.username, host=parsed.host, port=parsed.port, database=parsed.database
    )
    try:
        columns = await connection.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', "
            "'json', 'jsonb')"
        )
        found = []
        for table, column in columns:
            values = await connection.fetch(f'SELECT "{column}"::text AS v FROM "{table}"')
            found += [
                f"{table}.{column}: {secret}"
                for row in values
                for secret in secrets
                if row["v"] and secret in row["v"]
            ]
        return found
    finally:
        await connection.close()

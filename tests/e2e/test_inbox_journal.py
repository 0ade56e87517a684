"""Nothing acknowledged is lost: a message is journalled in its own commit before WeChat hears
200, handled once from the journal, and its reply (with the ticket code) reaches the resident
exactly once, passively or through the API, whatever stalls or dies in between."""

from __future__ import annotations

import asyncio
import re
import sqlite3

from sqlalchemy import event, func, select

from bot import wire
from bot.devkit.simulator import to_xml
from bot.dispatcher import Waiting
from nlu.keywords import KeywordClassifier
from storage.inbox import LEASE, REPLY_GRACE, Replayed
from storage.models import InboundMessage, OutboxMessage
from tests.fakes import GatedClassifier
from tests.stack import RESIDENT, Stack, running_stack

GARBAGE = "小区垃圾站满了没人清运，臭得很"
CODE = re.compile(r"GB-[0-9A-Z]{5}")


async def replies_by_api(stack: Stack, sender: str = RESIDENT) -> list[str]:
    await stack.drain()
    return [text for text in stack.fake.to(sender) if CODE.search(text)]


async def notices_to_worker(stack: Stack) -> int:
    async with stack.services.sessionmaker() as session:
        return await session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.recipient == "liminghua", OutboxMessage.dedup_key.like("event:%")
            )
        )


async def settle(stack: Stack) -> None:
    """Let the webhook's own work (handling after it answered) finish."""
    await asyncio.gather(*stack.services.webhooks["mp"].tasks, return_exceptions=True)


async def test_database_locked_past_the_deadline_answers_503_and_the_retry_gets_the_reply(
    seeded_sqlite, clock
):
    async with running_stack(
        seeded_sqlite, clock, reply_deadline=0.3, classifier=KeywordClassifier()
    ) as stack:
        await stack.locate("东关一网格")
        query, body = stack.mp.sign(stack.mp.text(RESIDENT, GARBAGE))
        blocker = sqlite3.connect(seeded_sqlite.split(":///", 1)[1])
        blocker.execute("BEGIN EXCLUSIVE")  # nothing can be stored, not even the journal row
        try:
            first = await stack.mp.post(query, body.encode())
        finally:
            blocker.rollback()
            blocker.close()
        assert first.status == 503  # not stored: WeChat must retry, a 200 would lose it

        retried = await stack.mp.post(query, body.encode())  # WeChat's retry
        assert retried.status == 200 and CODE.search(retried.text)
        await settle(stack)
        assert len(await stack.tickets()) == 1
        assert await replies_by_api(stack) == []  # answered once, passively


async def test_a_group_stalled_by_a_locked_database_is_retried_and_each_message_kept_once(
    seeded_sqlite, clock
):
    """Group commit under a stall: messages that wait together for a locked database are all
    told to retry (none hears 200 before its row is committed), and WeChat's retries then give
    each its own ticket and reply, once."""
    grids = ("东关一网格", "东关二网格", "西苑一网格", "王庄村网格", "李家洼村网格")
    senders = [f"o_stalled_{n}" for n in range(len(grids))]  # one a grid: none linked
    async with running_stack(
        seeded_sqlite, clock, reply_deadline=0.3, classifier=KeywordClassifier()
    ) as stack:
        for sender, grid in zip(senders, grids, strict=True):
            await stack.locate(grid, sender=sender)
        signed = [
            stack.mp.sign(stack.mp.text(sender, f"{GARBAGE}，{n}号楼"))
            for n, sender in enumerate(senders)
        ]
        blocker = sqlite3.connect(seeded_sqlite.split(":///", 1)[1])
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            first = await asyncio.gather(
                *(stack.mp.post(query, body.encode()) for query, body in signed)
            )
        finally:
            blocker.rollback()
            blocker.close()
        assert [reply.status for reply in first] == [503] * 5

        retried = await asyncio.gather(
            *(stack.mp.post(query, body.encode()) for query, body in signed)
        )
        assert all(reply.status == 200 for reply in retried)
        await settle(stack)
        tickets = await stack.tickets()
        assert len(tickets) == 5
        codes = {CODE.search(reply.text).group(0) for reply in retried if reply.text}
        late = [text for sender in senders for text in await replies_by_api(stack, sender)]
        assert len(codes) + len(late) == 5  # each resident told once: passively or by API
        assert codes | {CODE.search(t).group(0) for t in late} == {t.code for t in tickets}


async def test_slow_handling_answers_success_and_the_reply_goes_out_once_by_api(
    seeded_sqlite, clock
):
    classifier = GatedClassifier()
    async with running_stack(
        seeded_sqlite, clock, reply_deadline=0.3, classifier=classifier
    ) as stack:
        await stack.locate("东关一网格")
        reply = await stack.mp.send(stack.mp.text(RESIDENT, GARBAGE))
        assert reply.status == 200 and reply.body == "success"
        with sqlite3.connect(seeded_sqlite.split(":///", 1)[1]) as reader:  # beside the
            stored = reader.execute(
                "SELECT status FROM inbound_messages "  # busy handler
                "WHERE kind = 'text'"
            ).fetchall()
        assert stored == [("pending",)]  # stored before the 200, handled after it

        classifier.gate.set()
        await settle(stack)
        [late] = await replies_by_api(stack)
        assert CODE.search(late).group(0) == (await stack.tickets())[0].code
        assert await stack.take_up_journal() == 0  # nothing is left to take up
        assert await replies_by_api(stack) == [late]


async def test_message_left_by_a_dead_process_is_handled_once_when_its_lease_ends(stack):
    await stack.locate("东关一网格")
    await stack.services.inbox.journal(  # what a process did before it was killed
        channel="mp",
        key="msg:910001",
        sender=RESIDENT,
        kind="text",
        content=_text_xml(RESIDENT, GARBAGE, 910001),
        nonce="1:n",
        now=stack.services.clock.now(),
    )
    assert await stack.take_up_journal() == 0  # its own process may still be at it

    stack.services.clock.advance(seconds=LEASE.total_seconds() + 1)
    assert await stack.take_up_journal() == 1
    assert await stack.take_up_journal() == 0
    [ticket] = await stack.tickets()
    [reply] = await replies_by_api(stack)
    assert ticket.code in reply
    assert await notices_to_worker(stack) == 1


async def _journalled(stack: Stack) -> tuple[int, object, dict, str]:
    """A report stored as the webhook stores it: its row id, the message, and the signed
    query and body WeChat would post again."""
    await stack.locate("东关一网格")
    fields = stack.mp.text(RESIDENT, GARBAGE)
    query, body = stack.mp.sign(fields)
    entry = await stack.services.inbox.journal(
        channel="mp",
        key=f"msg:{fields['MsgId']}",
        sender=RESIDENT,
        kind="text",
        content=_text_xml(RESIDENT, GARBAGE, fields["MsgId"]),
        nonce=f"{query['timestamp']}:{query['nonce']}",
        now=stack.services.clock.now(),
    )
    return entry.id, _inbound(RESIDENT, GARBAGE, fields["MsgId"]), query, body


def waiting_until(seconds_from_now: float) -> Waiting:
    """A webhook waiting, whose answer WeChat hears until this many seconds from now."""
    waiting = Waiting()
    waiting.join(asyncio.get_running_loop().time() + seconds_from_now)
    return waiting


async def test_reply_committed_for_a_webhook_that_died_goes_to_wechats_retry_only(stack):
    """The reply is committed with the ticket as the waiting webhook's answer; its process
    dies before answering. WeChat's retry is answered with it; it is not also sent by API."""
    row_id, msg, query, body = await _journalled(stack)
    reply = await stack.services.dispatcher.handle(row_id, msg, waiting_until(5))
    assert CODE.search(reply)  # ...and here the process dies, before answering WeChat

    retried = await stack.mp.post(query, body.encode())
    assert retried.status == 200 and retried.text == reply
    stack.services.clock.advance(seconds=REPLY_GRACE.total_seconds() + 1)
    await stack.take_up_journal()
    assert await replies_by_api(stack) == []
    late = await stack.mp.post(query, body.encode())  # after the grace: cleared
    assert late.status == 200 and late.body == "success"
    assert len(await stack.tickets()) == 1


async def test_reply_stored_after_wechat_stopped_listening_goes_by_api_once(stack):
    """The commit of the reply ended after WeChat's 5 seconds: no passive answer can reach
    WeChat, so the reply is queued; WeChat's retry then hears `success`, not the reply."""
    row_id, msg, query, body = await _journalled(stack)
    assert await stack.services.dispatcher.handle(row_id, msg, waiting_until(-1)) is None

    retried = await stack.mp.post(query, body.encode())
    assert retried.status == 200 and retried.body == "success"
    [by_api] = await replies_by_api(stack)
    assert CODE.search(by_api).group(0) == (await stack.tickets())[0].code


async def test_reply_is_committed_with_the_ticket_when_the_webhook_gave_up_first(stack):
    await stack.locate("东关一网格")
    fields = stack.mp.text(RESIDENT, GARBAGE)
    services = stack.services
    entry = await services.inbox.journal(
        channel="mp",
        key=f"msg:{fields['MsgId']}",
        sender=RESIDENT,
        kind="text",
        content=_text_xml(RESIDENT, GARBAGE, fields["MsgId"]),
        nonce="2:n",
        now=services.clock.now(),
    )
    gave_up = Waiting(webhooks=0)
    assert (
        await services.dispatcher.handle(
            entry.id, _inbound(RESIDENT, GARBAGE, fields["MsgId"]), gave_up
        )
        is None
    )
    async with services.sessionmaker() as session:
        queued = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedup_key.like("reply:%"))
            )
        )
    assert [CODE.search(row.body["text"]).group(0) for row in queued] == [
        t.code for t in await stack.tickets()
    ]


def _text_xml(sender: str, text: str, msg_id: int) -> str:
    return to_xml(
        {
            "ToUserName": "gh_gridbot",
            "FromUserName": sender,
            "CreateTime": 1,
            "MsgType": "text",
            "Content": text,
            "MsgId": msg_id,
        }
    )


def _inbound(sender: str, text: str, msg_id: int):
    return wire.inbound("mp", _text_xml(sender, text, msg_id))


async def test_messages_arriving_together_share_a_commit_and_each_hears_of_its_own_row(stack):
    """Group commit: messages that arrive while a commit is under way are stored together,
    and each caller still gets its own row; WeChat's retry in the same group finds the first
    one's row, and a query replayed with another message is refused."""
    services = stack.services
    inserts: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO INBOUND_MESSAGES"):
            inserts.append(statement)

    def journal(n: int, nonce: str, sender: str = RESIDENT):
        return services.inbox.journal(
            channel="mp",
            key=f"msg:{n}",
            sender=sender,
            kind="text",
            content=_text_xml(sender, f"{GARBAGE} {n}", n),
            nonce=nonce,
            now=services.clock.now(),
        )

    engine = services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        first = await journal(0, "1:n0")  # alone: stored at once
        together = await asyncio.gather(
            *(journal(n, f"1:n{n}", f"o_group_{n}") for n in range(1, 31)),
            journal(0, "1:n0"),  # WeChat's retry of the first
            journal(99, "1:n5"),  # another message in message 5's signed query
            return_exceptions=True,
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    *fresh, retried, replayed = together
    assert first.fresh and not retried.fresh and retried.id == first.id
    assert isinstance(replayed, Replayed)
    assert all(entry.fresh for entry in fresh) and len({e.id for e in fresh}) == 30
    assert len(inserts) < 10  # 32 messages, a handful of commits
    async with services.sessionmaker() as session:
        rows = dict(
            (await session.execute(select(InboundMessage.id, InboundMessage.sender))).all()
        )
    assert all(rows[entry.id] == f"o_group_{n}" for n, entry in enumerate(fresh, start=1))
    assert rows[first.id] == RESIDENT and len(rows) == 31

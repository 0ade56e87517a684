"""A notice sent again after its sender died reaches the worker once, on the running service.
The relay alone, on real databases: tests/integration/test_delivery.py."""

from __future__ import annotations

WORKER = "liminghua"


async def test_a_notice_sent_again_after_its_sender_died_reaches_the_worker_once(stack):
    """The relay died after WeCom took a notice and before the row said so: the row is sent
    again when its lease ends, and WeCom's duplicate check keeps the worker from seeing it
    twice (the fake honours it as WeCom documents)."""
    await stack.locate("东关一网格")
    await stack.say("小区门口垃圾堆了好几天没人清理")
    [row] = [r for r in await stack.outbox() if r.recipient == WORKER]
    sender = stack.services.relay.senders["work"]
    await sender.send(row.recipient, row.body)  # WeCom took it; then the process died
    await stack.drain()  # the row was still pending: sent again

    assert [r.state for r in await stack.outbox() if r.recipient == WORKER] == ["sent"]
    assert len(stack.fake.to(WORKER)) == 1

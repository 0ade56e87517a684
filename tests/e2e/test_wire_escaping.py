"""A passive reply stays one text message whatever the text in it says: hostile reports read back
by staff and residents over HTTP. The rendering alone: tests/unit/test_wire_escaping.py."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeTree
from sqlalchemy import select

from bot.devkit.simulator import WeChatSimulator
from storage.models import Staff, Ticket
from tests.stack import RESIDENT

REPLY_FIELDS = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content"]


INJECTION = (
    "]]></Content><MsgType><![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount>"
    "<Articles><item><Title><![CDATA[领取补贴]]></Title>"
    "<Url><![CDATA[http://evil.example]]></Url></item></Articles><Content><![CDATA["
)


HOSTILE_REPORT = INJECTION + "小区门口垃圾堆了好几天没人清理，臭得很"


LISTED_CHARS = 30  # ticket lists show a report's first 30 characters or more


def strict(xml: str) -> Element:
    """The reply as a strict XML parser reads it: it must be well-formed, or this raises."""
    return SafeTree.fromstring(xml, forbid_dtd=True)


def text_reply_content(reply: Element) -> str:
    """The Content of a reply that is exactly one text message with no links; fails otherwise."""
    assert reply.tag == "xml"
    assert sorted(child.tag for child in reply) == sorted(REPLY_FIELDS)  # each once
    assert [kind.text for kind in reply.iter("MsgType")] == ["text"]
    assert not [*reply.iter("Url"), *reply.iter("Articles"), *reply.iter("ArticleCount")]
    return reply.findtext("Content")


async def reply_document(sim: WeChatSimulator, fields: dict[str, object]) -> Element:
    """The reply WeChat would get for these fields, decrypted and strictly parsed."""
    query, body = sim.sign(fields)
    async with sim.http.post(sim.url, params=query, data=body.encode()) as response:
        assert response.status == 200
        answer = strict(await response.text())
    sealed = answer.findtext("Encrypt")
    if sealed is None:
        return answer
    return strict(sim._prp().decrypt(sealed, sim.channel.app_id))


async def hostile_ticket(stack) -> tuple[str, str]:
    """A resident's report carrying the injection, located and routed: its code and assignee."""
    await stack.locate("东关一网格")
    code = re.search(r"GB-\w+", await stack.say(HOSTILE_REPORT)).group(0)
    async with stack.services.sessionmaker() as session:
        query = select(Staff.userid).join(Ticket, Ticket.assignee_id == Staff.id)
        assignee = await session.scalar(query.where(Ticket.code == code))
    assert assignee is not None
    return code, assignee


async def test_worker_viewing_a_hostile_ticket_gets_a_text_reply_with_the_report_as_written(stack):
    code, worker = await hostile_ticket(stack)
    reply = await reply_document(stack.work, stack.work.text(worker, f"工单 {code}"))
    content = text_reply_content(reply)
    assert code in content and HOSTILE_REPORT in content


async def test_worker_listing_tickets_with_a_hostile_one_gets_a_text_reply(stack):
    code, worker = await hostile_ticket(stack)
    reply = await reply_document(stack.work, stack.work.text(worker, "我的工单"))
    content = text_reply_content(reply)
    assert code in content and HOSTILE_REPORT[:LISTED_CHARS] in content


async def test_resident_asking_about_a_hostile_report_gets_a_text_reply(stack):
    code, _ = await hostile_ticket(stack)
    reply = await reply_document(stack.mp, stack.mp.text(RESIDENT, "查询"))
    content = text_reply_content(reply)
    assert code in content and HOSTILE_REPORT[:LISTED_CHARS] in content

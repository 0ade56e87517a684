"""A passive reply stays one text message whatever the text in it says."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeTree
import pytest

from bot.devkit.simulator import to_xml
from bot.wire import reply_xml
from tests.stack import RESIDENT

REPLY_FIELDS = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content"]
# What the resident reported in the finding: it closes the reply's CDATA and turns it into news.
INJECTION = (
    "]]></Content><MsgType><![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount>"
    "<Articles><item><Title><![CDATA[领取补贴]]></Title>"
    "<Url><![CDATA[http://evil.example]]></Url></item></Articles><Content><![CDATA["
)
HOSTILE_REPORT = INJECTION + "小区门口垃圾堆了好几天没人清理，臭得很"
CLEAN = {  # text as given, and as the reply must carry it
    "injection": (HOSTILE_REPORT, HOSTILE_REPORT),
    "bare-terminator": ("]]>", "]]>"),
    "terminators-back-to-back": ("]]]]>]]>]]", "]]]]>]]>]]"),
    "markup-and-entities": ("<b>&amp;</b> ]]&gt; <!-- x -->", "<b>&amp;</b> ]]&gt; <!-- x -->"),
    "control-characters": ("办\x00结\x01\x08\x0b\x0c\x1f\x7f了", "办结\x7f了"),
    "non-characters": ("工\ufffe单\uffff", "工单"),
    "lone-surrogates": ("网\ud800格\udfff通\udbff\udc00", "网格通"),
    "tabs-newlines-astral": ("第一行\t缩进\n第二行 𠮷🔥👨‍👩‍👧", "第一行\t缩进\n第二行 𠮷🔥👨‍👩‍👧"),
}


def inbound_xml(sender: str = RESIDENT, account: str = "gh_gridbot") -> str:
    return to_xml(
        {
            "ToUserName": account,
            "FromUserName": sender,
            "CreateTime": 1764122400,
            "MsgType": "text",
            "Content": "查询",
            "MsgId": 24680,
        }
    )


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


# Rendering


@pytest.mark.parametrize("case", list(CLEAN))
@pytest.mark.parametrize("channel", ["mp", "work"])
def test_reply_carries_hostile_text_as_one_text_message(case, channel):
    given, shown = CLEAN[case]
    reply = strict(reply_xml(given, inbound_xml(), channel))
    assert text_reply_content(reply) == shown


def test_reply_goes_back_to_the_sender_from_the_account_written_as_they_were():
    sender, account = "o_]]><MsgType>news</MsgType>", "gh_]]>acct"
    reply = strict(reply_xml("您好", inbound_xml(sender, account), "mp"))
    text_reply_content(reply)
    assert reply.findtext("ToUserName") == "o_]]><MsgType>news</MsgType>"
    assert reply.findtext("FromUserName") == "gh_]]>acct"
    assert reply.findtext("CreateTime").isdigit()


# End to end: a hostile report, then every reply that shows it

"""WeChat input as a sender can forge it: hostile XML, bad signatures, messages sealed for
another account. The wire unit tests feed it to `bot.wire`, the webhook tests post it over
HTTP."""

from __future__ import annotations

import secrets

from bot.devkit.simulator import WeChatSimulator, to_xml
from bot.wire import parse_xml, signature
from tests.stack import RESIDENT

GRID_WORKER = "liminghua"  # 李明华, grid worker of 东关一网格 in the demo county


def billion_laughs() -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    return "<!DOCTYPE xml [" + "".join(entities) + "]><xml>{fields}<Extra>&lol9;</Extra></xml>"


# "{fields}" stands for the fields of an otherwise valid message
HOSTILE_XML = {
    "empty": ("", "utf-8"),
    "malformed": ("<xml>{fields}<Extra>unclosed</xml>", "utf-8"),
    "wrong-root": ("<message>{fields}</message>", "utf-8"),
    "nested-field": ("<xml>{fields}<Extra><Inner>x</Inner></Extra></xml>", "utf-8"),
    "duplicated-fields": ("<xml>{fields}{fields}</xml>", "utf-8"),
    "not-utf8": ("<xml>{fields}<Extra>网格通</Extra></xml>", "gbk"),
    "xxe": (
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<xml>{fields}<Extra>&x;</Extra></xml>",
        "utf-8",
    ),
    "billion-laughs": (billion_laughs(), "utf-8"),
}


def inside(xml: str) -> str:
    return xml.removeprefix("<xml>").removesuffix("</xml>")


def hostile(case: str, fields_xml: str) -> bytes:
    template, encoding = HOSTILE_XML[case]
    return template.replace("{fields}", fields_xml).encode(encoding)


def sample(sim: WeChatSimulator) -> dict[str, object]:
    if sim.channel.name == "mp":
        return sim.text(RESIDENT, "小区门口垃圾堆了好几天没人清理")
    return sim.text(GRID_WORKER, "我的工单")


def signed_query(sim: WeChatSimulator, encrypted: str) -> dict[str, str]:
    timestamp, nonce = sim.timestamp(), secrets.token_hex(5)
    token = sim.channel.token
    query = {
        "timestamp": timestamp,
        "nonce": nonce,
        "msg_signature": signature(token, timestamp, nonce, encrypted),
    }
    if sim.channel.name == "mp":
        query.update(signature=signature(token, timestamp, nonce), encrypt_type="aes")
    return query


def sealed(
    sim: WeChatSimulator, plain: str | bytes, app_id: str | None = None
) -> tuple[dict[str, str], bytes]:
    """Encrypt and sign any plaintext, well-formed or not, as WeChat would."""
    encrypted = sim._prp().encrypt(plain, app_id or sim.channel.app_id).decode()
    return signed_query(sim, encrypted), envelope(sim, encrypted)


def envelope(sim: WeChatSimulator, encrypted: str) -> bytes:
    outer: dict[str, object] = {"ToUserName": sim.account, "Encrypt": encrypted}
    if sim.channel.name == "work":
        outer["AgentID"] = sim.agentid
    return to_xml(outer).encode()


def forge(sim: WeChatSimulator, how: str) -> tuple[dict[str, str], bytes]:
    query, body = sim.sign(sample(sim))
    if how == "missing-signature":
        query = {k: v for k, v in query.items() if k not in ("signature", "msg_signature")}
    elif how == "wrong-token":
        encrypted = parse_xml(body.encode())["Encrypt"]
        query["msg_signature"] = signature(
            "not-the-token", query["timestamp"], query["nonce"], encrypted
        )
    elif how == "other-body":
        _, body = sim.sign(sim.text(RESIDENT, "别的消息，换了内容"))
    elif how == "changed-timestamp":
        query["timestamp"] = str(int(query["timestamp"]) - 3600)
    return query, body.encode()


# Kinds of message gridbot does not handle, with their fields: answered politely, kept whole
UNSUPPORTED = {
    "miniprogrampage": {
        "Title": "社区活动报名",
        "AppId": "wx0000000000mini01",
        "PagePath": "pages/signup/index",
        "ThumbUrl": "http://mmbiz.example/thumb-m1.jpg",
        "ThumbMediaId": "thumb-m1",
    },
    "hologram": {"Payload": "一种还没有的消息"},
}

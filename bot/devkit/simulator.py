"""Plays WeChat's side of a webhook: signed, optionally encrypted XML, as WeChat posts it.

The demo console and the end-to-end tests talk to the server through it.
"""

from __future__ import annotations

import base64
import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
from wechatpy.crypto import PrpCrypto as MpPrpCrypto
from wechatpy.enterprise.crypto import PrpCrypto as WorkPrpCrypto

from bot.wire import Channel, parse_xml, signature
from config.settings import Settings


def to_xml(fields: dict[str, object]) -> str:
    parts = []
    for name, value in fields.items():
        if isinstance(value, int | float):
            parts.append(f"<{name}>{value}</{name}>")
        else:
            text = str(value).replace("]]>", "]]]]><![CDATA[>")
            parts.append(f"<{name}><![CDATA[{text}]]></{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


@dataclass
class Reply:
    status: int
    body: str
    text: str | None  # the Content of a passive text reply, decrypted


@dataclass
class WeChatSimulator:
    http: aiohttp.ClientSession
    url: str  # e.g. http://127.0.0.1:8080/wechat/mp
    channel: Channel
    account: str = "gh_gridbot"  # ToUserName: the Official Account's id or the CorpID
    agentid: int = 1000002
    now: Callable[[], float] = time.time  # WeChat's clock: Unix seconds (a test's clock in tests)
    # MsgIds as WeChat's: large numbers, unique across senders. Each simulator counts up from
    # a random start, so two of them (a bench's, a test's) never hand out the same id, which
    # the service would rightly take as WeChat retrying one message. Sixteen digits: a run of
    # 18 would look like an ID number to the tests that search the logs for one.
    _ids: itertools.count = field(
        default_factory=lambda: itertools.count(10**15 + secrets.randbelow(8 * 10**15))
    )

    def timestamp(self) -> str:
        """The signed query's timestamp, as WeChat would send it now."""
        return str(int(self.now()))

    def next_id(self) -> int:
        return next(self._ids)

    def message(self, sender: str, msg_type: str, **extra: object) -> dict[str, object]:
        fields: dict[str, object] = {
            "ToUserName": self.account,
            "FromUserName": sender,
            "CreateTime": int(self.now()),
            "MsgType": msg_type,
        }
        fields.update(extra)
        if msg_type != "event" and "MsgId" not in fields:
            fields["MsgId"] = self.next_id()
        if self.channel.name == "work":
            fields.setdefault("AgentID", self.agentid)
        return fields

    def text(self, sender: str, content: str) -> dict[str, object]:
        return self.message(sender, "text", Content=content)

    def location(self, sender: str, lon: float, lat: float, label: str = "") -> dict:
        return self.message(
            sender, "location", Location_X=lat, Location_Y=lon, Scale=15, Label=label
        )

    def image(self, sender: str, media_id: str = "media-1") -> dict[str, object]:
        return self.message(
            sender, "image", PicUrl=f"http://mmbiz.example/{media_id}.jpg", MediaId=media_id
        )

    def event(self, sender: str, event: str, **extra: object) -> dict[str, object]:
        return self.message(sender, "event", Event=event, **extra)

    def sign(
        self, fields: dict[str, object], *, timestamp: str | None = None, nonce: str | None = None
    ) -> tuple[dict[str, str], str]:
        """The query string and body WeChat would POST for these fields."""
        timestamp = timestamp or self.timestamp()
        nonce = nonce or secrets.token_hex(5)
        plain = to_xml(fields)
        query = {"timestamp": timestamp, "nonce": nonce}
        if self.channel.name == "mp":
            query["signature"] = signature(self.channel.token, timestamp, nonce)
            query["openid"] = str(fields.get("FromUserName", ""))
        if not self.channel.encrypted:
            return query, plain
        encrypted = self._prp().encrypt(plain, self.channel.app_id).decode()
        query["msg_signature"] = signature(self.channel.token, timestamp, nonce, encrypted)
        if self.channel.name == "mp":
            query["encrypt_type"] = "aes"
        outer = {"ToUserName": self.account, "Encrypt": encrypted}
        if self.channel.name == "work":
            outer["AgentID"] = self.agentid
        return query, to_xml(outer)

    async def send(self, fields: dict[str, object]) -> Reply:
        query, body = self.sign(fields)
        return await self.post(query, body.encode("utf-8"))

    async def post(self, query: dict[str, str], body: bytes) -> Reply:
        async with self.http.post(self.url, params=query, data=body) as response:
            text = await response.text()
            return Reply(response.status, text, self._content(response.status, text))

    def _content(self, status: int, body: str) -> str | None:
        if status != 200 or not body.startswith("<xml>"):
            return None
        fields = parse_xml(body.encode("utf-8"))
        if "Encrypt" in fields:
            expected = signature(
                self.channel.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]
            )
            if expected != fields.get("MsgSignature"):
                raise AssertionError("reply signature does not verify")
            fields = parse_xml(
                self._prp().decrypt(fields["Encrypt"], self.channel.app_id).encode("utf-8")
            )
        return fields.get("Content")

    def _prp(self):
        prp_class = MpPrpCrypto if self.channel.name == "mp" else WorkPrpCrypto
        return prp_class(base64.b64decode(self.channel.aes_key + "="))


def simulators(
    http: aiohttp.ClientSession,
    base: str,
    settings: Settings,
    now: Callable[[], float] = time.time,
) -> tuple[WeChatSimulator, WeChatSimulator]:
    """WeChat's side of both webhooks of the server at `base`, signed with its settings, at
    the times `now` gives (the server's clock, when a test moves it)."""
    mp = WeChatSimulator(
        http,
        f"{base}/wechat/mp",
        Channel("mp", settings.mp_token, settings.mp_aes_key, settings.mp_appid),
        now=now,
    )
    work = WeChatSimulator(
        http,
        f"{base}/wechat/work",
        Channel("work", settings.work_token, settings.work_aes_key, settings.work_corpid),
        account=settings.work_corpid,
        agentid=settings.work_agentid,
        now=now,
    )
    return mp, work

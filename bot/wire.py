"""WeChat's wire format: safe XML, signatures and AES (wechatpy), inbound messages, replies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import time
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeTree
from defusedxml import DefusedXmlException
from wechatpy.crypto import PrpCrypto as MpPrpCrypto
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import PrpCrypto as WorkPrpCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WorkCrypto
from wechatpy.enterprise.events import EVENT_TYPES as WORK_EVENTS
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.enterprise.messages import MESSAGE_TYPES as WORK_MESSAGES
from wechatpy.events import EVENT_TYPES as MP_EVENTS
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.messages import MESSAGE_TYPES as MP_MESSAGES
from wechatpy.messages import UnknownMessage
from wechatpy.utils import WeChatSigner

from handlers.inbound import Inbound

SENDER_CHARS = 64  # what the sender and recipient columns hold
KEY_CHARS = 200  # what the message key column holds
MSG_ID_LIMIT = 2**64  # WeChat's MsgId is a 64-bit integer
ELLIPSIS = "…"
# Neither platform documents a limit for a passive reply's Content; a WeCom text message holds
# 2048 bytes (developer.work.weixin.qq.com/document/path/90236), and a reply is held to that.
REPLY_BYTES = 2048
MEDIA_KINDS = frozenset({"voice", "video", "shortvideo"})  # kept as they came, by media id
MENU_EVENTS = frozenset({"click", "view", "location_select"})  # the menu's buttons
Field = str | None | dict | list  # a dict for a structure, a list where it repeats
Shapes = dict[str, "Shapes"]  # an element that holds others: those of them that do too
REPEATS = "*"  # a name ending so may come more than once
# The structures WeChat and WeCom themselves send inside a message, as their documentation
# gives them; every other nested or repeated field is refused, as a hostile sender's would be.
STRUCTURES: Shapes = {
    "ScanCodeInfo": {},  # the menu's scancode_push/scancode_waitmsg: ScanType, ScanResult
    "SendPicsInfo": {"PicList": {"item" + REPEATS: {}}},  # pic_*: Count; item/PicMd5Sum
    "SendLocationInfo": {},  # location_select: Location_X, Location_Y, Scale, Label, Poiname
    "SubscribeMsgPopupEvent": {"List" + REPEATS: {}},  # subscription messages (订阅通知):
    "SubscribeMsgChangeEvent": {"List" + REPEATS: {}},  # one List for each template
    "SubscribeMsgSentEvent": {"List" + REPEATS: {}},
    "CopyrightCheckResult": {"ResultList": {"item" + REPEATS: {}}},  # MASSSENDJOBFINISH
    "ArticleUrlResult": {"ResultList": {"item" + REPEATS: {}}},
    "ChosenBeacon": {},  # ShakearoundUserShake
    "AroundBeacons": {"AroundBeacon" + REPEATS: {}},
    "BatchJob": {},  # WeCom's batch_job_result: JobId, JobType, ErrCode, ErrMsg
    "ExtAttr": {"Item" + REPEATS: {"Text": {}, "Web": {}}},  # WeCom's change_contact
    # WeCom's template_card_event: the options a worker picked on a card
    "SelectedItems": {"SelectedItem" + REPEATS: {"OptionIds": {"OptionId" + REPEATS: {}}}},
}
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Refused(Exception):
    """The request cannot be served; `status` is the HTTP status to answer."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


def parse_xml(body: bytes) -> dict[str, Field]:
    """An <xml> document as a dict of its fields; DTDs and entities are refused, and so are
    nesting and repeats other than WeChat's own (STRUCTURES), which are read as wechatpy reads
    them (xmltodict: a dict each, a list where one repeats). Characters XML cannot carry (a
    control character a resident typed) are dropped first."""
    try:
        text = xml_chars(body.decode("utf-8"))
        root = SafeTree.fromstring(text, forbid_dtd=True)
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    except (DefusedXmlException, ParseError, ValueError):
        raise Refused(400, "body is not acceptable XML") from None
    if root.tag != "xml":
        raise Refused(400, "root element is not <xml>")
    return _fields(root, STRUCTURES, top=True)


def _fields(element: Element, shapes: Shapes, top: bool = False) -> dict[str, Field]:
    """The children of `element`: text, or where `shapes` names the child, a structure; only
    a child named with REPEATS may come more than once."""
    fields: dict[str, Field] = {}
    for child in element:
        repeats = child.tag + REPEATS in shapes
        shape = shapes.get(child.tag + REPEATS if repeats else child.tag)
        if (len(child) and shape is None) or (child.tag in fields and not repeats):
            raise Refused(400, f"field {child.tag} is nested or repeated")
        value = _fields(child, shape) if shape is not None else _text(child, top)
        if child.tag not in fields:
            fields[child.tag] = value
        elif isinstance(fields[child.tag], list):
            fields[child.tag].append(value)
        else:
            fields[child.tag] = [fields[child.tag], value]
    return fields


def _text(element: Element, top: bool) -> str | None:
    """A field's text: as it came at the top (read later as wechatpy reads it), stripped and
    None when empty inside a structure (as xmltodict gives it to wechatpy)."""
    text = element.text or ""
    return text if top else text.strip() or None


def signature(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass
class Channel:
    """One webhook: the Official Account ("mp") or the WeCom app ("work")."""

    name: str
    token: str
    aes_key: str
    app_id: str

    @property
    def encrypted(self) -> bool:
        return bool(self.aes_key)

    def _crypto(self) -> WeChatCrypto | WorkCrypto:
        crypto_class = WeChatCrypto if self.name == "mp" else WorkCrypto
        return crypto_class(self.token, self.aes_key, self.app_id)

    def verify_url(self, query) -> str:
        """GET verification: the echostr to answer with."""
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        echo = query.get("echostr", "")
        if self.name == "mp":
            self._check(query.get("signature", ""), timestamp, nonce)
            return echo
        self._check(query.get("msg_signature", ""), timestamp, nonce, echo)
        return self._decrypt(echo)

    def open(self, query, body: bytes) -> str:
        """The plain XML of a POSTed message, after checking who sent it."""
        outer = parse_xml(body)
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if not self.encrypted:
            self._check(query.get("signature", ""), timestamp, nonce)
            return xml_chars(body.decode("utf-8"))
        if "Encrypt" not in outer:
            raise Refused(403, "plaintext message while safe mode is configured")
        self._check(query.get("msg_signature", ""), timestamp, nonce, outer["Encrypt"])
        return xml_chars(self._decrypt(outer["Encrypt"]))

    def seal(self, reply_xml: str, nonce: str, timestamp: str) -> str:
        if not self.encrypted:
            return reply_xml
        return self._crypto().encrypt_message(reply_xml, nonce or "gridbot", timestamp or None)

    def _check(self, given: str, *parts: str) -> None:
        if not given or not same(signature(self.token, *parts), given):
            raise Refused(403, "bad signature")

    def _decrypt(self, encrypted: str) -> str:
        prp_class = MpPrpCrypto if self.name == "mp" else WorkPrpCrypto
        try:
            return prp_class(base64.b64decode(self.aes_key + "=")).decrypt(encrypted, self.app_id)
        except (InvalidAppIdException, InvalidCorpIdException):
            raise Refused(403, "message is for another app") from None
        except Exception:  # malformed base64, padding or length from a hostile sender
            raise Refused(400, "cannot decrypt message") from None


def inbound(channel: str, xml: str) -> Inbound:
    """Reduce a checked, decrypted message to what the handlers need."""
    parsed = parse_xml(xml.encode("utf-8"))  # the one parse of the message
    if not parsed.get("MsgType") or (parsed["MsgType"] == "event" and not parsed.get("Event")):
        raise Refused(400, "message type missing")
    try:
        return _to_inbound(channel, _message(channel, parsed), parsed, xml)
    except (ValueError, TypeError, KeyError, AttributeError):
        raise Refused(400, "message fields are malformed") from None


def _message(channel: str, fields: dict[str, Field]):
    """wechatpy's message or event object over the fields parsed once (its parse_message
    would parse the XML again), chosen as wechatpy chooses it."""
    messages, events = (
        (MP_MESSAGES, MP_EVENTS) if channel == "mp" else (WORK_MESSAGES, WORK_EVENTS)
    )
    fields = {k: _as_read(v) for k, v in fields.items()}  # text as wechatpy reads it
    kind = fields["MsgType"].lower()
    device = channel == "mp" and kind.startswith("device_")
    if kind != "event" and not device:
        return messages.get(kind, UnknownMessage)(dict(fields))
    event = fields["Event"].lower() if fields.get("Event") else kind
    if device and fields.get("Event"):
        event = f"device_{event}"
    key = fields.get("EventKey") or ""
    if channel == "mp" and event == "subscribe":
        if key.startswith(("scanbarcode|", "scanimage|")):
            event = "subscribe_scan_product"
        elif key.startswith("qrscene_"):
            event = "subscribe_scan"  # a QR code's subscribe, not the plain one answered
    return events.get(event, UnknownMessage)(dict(fields))


def _as_read(value: Field) -> Field:
    return value.strip() or None if isinstance(value, str) else value


def _to_inbound(channel: str, message, fields: dict[str, Field], xml: str) -> Inbound:
    sender = _sender(message)
    key = _key(message, fields)
    account = fields.get("ToUserName", "").strip()
    common = {"channel": channel, "key": key, "sender": sender, "account": account, "raw": xml}
    kind = message.type
    if kind == "text":
        return Inbound(kind="text", text=message.content or "", **common)
    if kind == "voice" and message.recognition:  # WeChat understood it: a text
        return Inbound(kind="text", text=message.recognition, **common)
    if kind in MEDIA_KINDS:  # voice WeChat could not understand, video, short video
        return Inbound(kind=kind, media_id=message.media_id or "", **common)
    if kind == "link":
        url, title = message.url or "", message.title or ""
        return Inbound(kind="link", text=title, url=url, label=message.description or "", **common)
    if kind == "image":
        return Inbound(
            kind="image", media_id=message.media_id or "", pic_url=message.image or "", **common
        )
    if kind == "location":
        lat, lon = _coordinates(message.location_x, message.location_y)
        return Inbound(kind="location", lat=lat, lon=lon, label=message.label or "", **common)
    event = getattr(message, "event", "")
    if event in ("subscribe", "unsubscribe"):
        return Inbound(kind=event, **common)
    if event in ("subscribe_scan", "scan"):  # a parametric QR code scanned, to follow or not
        kind = "subscribe" if event == "subscribe_scan" else "scan"
        return Inbound(kind=kind, event_key=message.scene_id or "", **common)
    if event == "location":
        lat, lon = _coordinates(message.latitude, message.longitude)
        return Inbound(kind="location_event", lat=lat, lon=lon, **common)
    if event in MENU_EVENTS:
        return _menu_event(message, fields, common)
    is_event = kind == "event" or fields["MsgType"].strip().lower() == "event"
    return Inbound(kind="event" if is_event else "unknown", **common)  # an event: not answered


def _menu_event(message, fields: dict[str, Field], common: dict) -> Inbound:
    """A button of the Official Account's menu: CLICK with its key, VIEW, or the location
    picked in location_select (placed as a location message is)."""
    if message.event != "location_select":
        key = fields.get("EventKey")
        return Inbound(
            kind=message.event, text=key.strip() if isinstance(key, str) else "", **common
        )
    info = fields.get("SendLocationInfo")
    info = info if isinstance(info, dict) else {}
    x, y = info.get("Location_X"), info.get("Location_Y")
    lat, lon = _coordinates(x, y) if x and y else (None, None)
    label = info.get("Label") or info.get("Poiname") or ""
    return Inbound(kind="location_select", lat=lat, lon=lon, label=label, **common)


def _sender(message) -> str:
    sender = message.source
    if not sender:
        raise Refused(400, "message has no sender")
    if len(sender) > SENDER_CHARS:
        raise Refused(400, f"FromUserName longer than {SENDER_CHARS} characters")
    return sender


def _key(message, fields: dict[str, Field]) -> str:
    """What makes the message one of a kind: its MsgId, or for an event who sent which event
    when; a key too long to store is replaced by its hash."""
    if fields.get("MsgId"):
        if not 0 <= message.id < MSG_ID_LIMIT:
            raise Refused(400, "MsgId is not a 64-bit integer")
        return f"msg:{message.id}"
    key = ":".join(
        (
            "evt",
            message.source,
            fields.get("CreateTime", ""),
            fields.get("Event", ""),
            fields.get("EventKey", ""),
        )
    )
    return key if len(key) <= KEY_CHARS else "evt:" + hashlib.sha256(key.encode()).hexdigest()


def _coordinates(lat: object, lon: object) -> tuple[float | None, float | None]:
    """WGS-84 latitude and longitude, or (None, None) for anything impossible."""
    lat, lon = float(lat), float(lon)
    if math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180:
        return lat, lon
    return None, None


def reply_to(msg: Inbound, text: str, now: float) -> str:
    """The passive text reply to `msg`, on either channel, at `now` (a Unix time): every
    reply is rendered here, each field as text whatever it contains."""
    return (
        f"<xml><ToUserName>{cdata(msg.sender.strip())}</ToUserName>"
        f"<FromUserName>{cdata(msg.account)}</FromUserName>"
        f"<CreateTime>{int(now)}</CreateTime>"
        f"<MsgType>{cdata('text')}</MsgType>"
        f"<Content>{cdata(clip_to_bytes(xml_chars(text), REPLY_BYTES))}</Content></xml>"
    )


def cdata(text: str) -> str:
    """`text` as a CDATA section: a `]]>` inside is split across two sections."""
    return "<![CDATA[" + xml_chars(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def xml_chars(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry: control characters other than tab,
    newline and carriage return, U+FFFE, U+FFFF and lone surrogates."""
    return NOT_XML.sub("", text)


def clip_to_bytes(text: str, limit: int) -> str:
    """`text` in at most `limit` bytes of UTF-8: if longer, cut after a whole character and
    ended with "…", which counts towards the limit."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    room = limit - len(ELLIPSIS.encode("utf-8"))
    return encoded[:room].decode("utf-8", errors="ignore") + ELLIPSIS


def reply_xml(text: str, xml: str, channel: str, now: float | None = None) -> str:
    """The passive reply to the decrypted message `xml` (for tools and tests that hold the
    XML; the service replies to the message it already read, with `reply_to`)."""
    return reply_to(inbound(channel, xml), text, time.time() if now is None else now)

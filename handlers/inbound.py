"""What arrived from WeChat or WeCom, reduced to what the handlers need."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Inbound:
    channel: str  # "mp" (Official Account) or "work" (WeCom)
    key: str  # dedup key: MsgId, or sender/time/event/key for events
    sender: str  # openid or WeCom userid
    # text, image, voice (not recognised), video, shortvideo, link, location, location_event,
    # location_select, click, view, subscribe, unsubscribe, scan, event, unknown
    kind: str
    text: str = ""
    lat: float | None = None
    lon: float | None = None
    label: str = ""
    account: str = ""  # ToUserName: the Official Account or the WeCom corp written to
    media_id: str = ""
    pic_url: str = ""
    event_key: str = ""  # an event's EventKey: a QR code's scene (qrscene_… on subscribe)
    url: str = ""  # a link's address (its title is the text, its description the label)
    raw: str = ""  # the whole decrypted message, kept for kinds we do not understand

    @property
    def content(self) -> str:
        """What to keep of the message so that nothing sent is lost."""
        if self.kind == "location":
            return f"{self.lat},{self.lon} {self.label}".strip()
        if self.kind in ("image", "voice", "video", "shortvideo"):
            return f"{self.media_id} {self.pic_url}".strip()
        if self.kind == "link":
            return f"{self.text} {self.url}".strip()
        if self.kind in ("unknown", "event"):
            return self.raw
        return self.text

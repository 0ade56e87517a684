"""A local stand-in for the WeChat and WeCom APIs, answering as their documentation says.

Used by `gridbot demo` and by the tests: it keeps every message it was asked to send.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from aiohttp import web


@dataclass
class Sent:
    channel: str  # "mp" or "work"
    to: str
    text: str


@dataclass
class FakeWeChat:
    mp_appid: str
    mp_secret: str
    work_corpid: str
    work_secret: str
    work_users: set[str] = field(default_factory=set)  # empty: every user exists
    sent: list[Sent] = field(default_factory=list)
    token_fetches: dict[str, int] = field(default_factory=lambda: {"mp": 0, "work": 0})
    fail_next: list[dict] = field(default_factory=list)  # canned error bodies, used in order
    window_closed: set[str] = field(default_factory=set)  # openids past the 48 h window
    listeners: list[Callable[[Sent], None]] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)  # uploaded files by media_id
    # Residents' photos the Official Account holds, by the MediaId their messages carry.
    mp_media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    qrcodes: dict[str, str] = field(default_factory=dict)  # permanent codes: scene → url
    menu: list[dict] | None = None  # the Official Account's menu, as menu/create last set it
    # who is signed in to the WeCom app (or scans the QR login): {"userid": ...} for a member
    # of the corp, {"openid": ...} for anyone else; empty: nobody, the login page just waits
    signed_in: dict[str, str] = field(default_factory=dict)
    _codes: dict[str, dict[str, str]] = field(default_factory=dict)  # login code → who
    _tokens: dict[str, str] = field(default_factory=dict)
    _counter: itertools.count = field(default_factory=itertools.count)
    _requests: dict[str, float] = field(default_factory=dict)  # message/send JSON → first seen

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/cgi-bin/stable_token", self.stable_token)
        app.router.add_get("/cgi-bin/token", self.mp_token)
        app.router.add_post("/cgi-bin/message/custom/send", self.custom_send)
        app.router.add_post("/cgi-bin/message/template/send", self.template_send)
        app.router.add_post("/cgi-bin/qrcode/create", self.qrcode_create)
        app.router.add_post("/cgi-bin/menu/create", self.menu_create)
        app.router.add_get("/cgi-bin/gettoken", self.work_token)
        app.router.add_post("/cgi-bin/message/send", self.work_send)
        app.router.add_post("/cgi-bin/media/upload", self.media_upload)
        app.router.add_get("/cgi-bin/media/get", self.media_get)
        app.router.add_get("/cgi-bin/auth/getuserinfo", self.user_of_code)
        app.router.add_get("/connect/oauth2/authorize", self.authorize)  # open.weixin.qq.com
        app.router.add_get("/wwlogin/sso/login", self.qr_login)  # login.work.weixin.qq.com
        return app

    def sign_in(self, userid: str = "", *, openid: str = "") -> None:
        """The person at WeCom from now on: a member's userid, or an outsider's openid."""
        self.signed_in = {"userid": userid} if userid else {"openid": openid}

    async def authorize(self, request: web.Request) -> web.Response:
        """WeCom's OAuth page in the app: straight back to redirect_uri with a code and the
        state, as WeCom does for snsapi_base (no consent asked)."""
        query = request.query
        if query.get("response_type") != "code" or query.get("scope") not in OAUTH_SCOPES:
            return _login_page("参数错误")
        return self._back_with_code(query)

    async def qr_login(self, request: web.Request) -> web.Response:
        """WeCom's QR login for a self-built app: once the person scans and confirms, back to
        redirect_uri with a code and the state."""
        query = request.query
        if query.get("login_type") != "CorpApp" or not query.get("agentid", "").isdigit():
            return _login_page("参数错误")
        return self._back_with_code(query)

    def _back_with_code(self, query) -> web.Response:
        back = query.get("redirect_uri", "")
        if query.get("appid") != self.work_corpid or not back.startswith(("http://", "https://")):
            return _login_page("该链接无法访问")
        if not self.signed_in:
            return _login_page("请使用企业微信扫码登录")
        code = secrets.token_urlsafe(32)
        self._codes[code] = dict(self.signed_in)
        joined = "&" if "?" in back else "?"
        answer = urlencode({"code": code, "state": query.get("state", "")})
        raise web.HTTPFound(f"{back}{joined}{answer}")

    async def user_of_code(self, request: web.Request) -> web.Response:
        """auth/getuserinfo: a code is good once; a member gets userid, others openid."""
        failure = self._check(request, "work")
        if failure:
            return failure
        code = request.query.get("code", "")
        if not code:
            return _error(41008, "missing code")
        who = self._codes.pop(code, None)
        if who is None:
            return _error(40029, "invalid code")
        if "userid" in who:
            return web.json_response({"errcode": 0, "errmsg": "ok", "userid": who["userid"]})
        external = {"external_userid": f"wm{who['openid']}"}
        return web.json_response({"errcode": 0, "errmsg": "ok", **who, **external})

    def _keep(self, sent: Sent) -> None:
        self.sent.append(sent)
        for listener in self.listeners:
            listener(sent)

    def to(self, recipient: str) -> list[str]:
        return [sent.text for sent in self.sent if sent.to == recipient]

    def expire_tokens(self) -> None:
        self._tokens.clear()

    def _issue(self, channel: str) -> web.Response:
        self.token_fetches[channel] += 1
        self._tokens[channel] = f"{channel}-token-{next(self._counter)}"
        return web.json_response({"access_token": self._tokens[channel], "expires_in": 7200})

    async def stable_token(self, request: web.Request) -> web.Response:
        body = await _json(request)
        if body.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        if body.get("appid") != self.mp_appid or body.get("secret") != self.mp_secret:
            return _error(40125, "invalid appsecret")
        return self._issue("mp")

    async def mp_token(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("appid") != self.mp_appid or query.get("secret") != self.mp_secret:
            return _error(40125, "invalid appsecret")
        return self._issue("mp")

    async def work_token(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("corpid") != self.work_corpid:
            return _error(40013, "invalid corpid")
        if query.get("corpsecret") != self.work_secret:
            return _error(40001, "invalid secret")
        response = self._issue("work")
        body = json.loads(response.text)
        return web.json_response({"errcode": 0, "errmsg": "ok", **body})

    async def custom_send(self, request: web.Request) -> web.Response:
        failure = self._check(request, "mp")
        if failure:
            return failure
        body = await _json(request)
        openid = body.get("touser", "")
        if openid in self.window_closed:
            return _error(45015, "response out of time limit or subscription is canceled")
        self._keep(Sent("mp", openid, body.get("text", {}).get("content", "")))
        return _error(0, "ok")

    async def template_send(self, request: web.Request) -> web.Response:
        failure = self._check(request, "mp")
        if failure:
            return failure
        body = await _json(request)
        data = body.get("data", {})
        text = "\n".join(str(data[k].get("value", "")) for k in data if isinstance(data[k], dict))
        self._keep(Sent("mp-template", body.get("touser", ""), text))
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": next(self._counter)})

    async def qrcode_create(self, request: web.Request) -> web.Response:
        """A parametric QR code, as WeChat documents qrcode/create: a permanent code has no
        expire_seconds, and the same scene is the same code."""
        failure = self._check(request, "mp")
        if failure:
            return failure
        body = await _json(request)
        action = body.get("action_name")
        if action not in QR_ACTIONS:
            return _error(40052, "invalid action name")
        scene = (body.get("action_info") or {}).get("scene") or {}
        value = scene.get("scene_str" if action.endswith("STR_SCENE") else "scene_id")
        if not _valid_scene(value, action):
            return _error(40053, "invalid action info")
        key = f"{action}:{value}"
        if key not in self.qrcodes or not action.startswith("QR_LIMIT"):
            self.qrcodes[key] = f"http://weixin.qq.com/q/fake{next(self._counter):06d}"
        url = self.qrcodes[key]
        answer = {"ticket": "gQ" + url.rsplit("/", 1)[1], "url": url}
        if not action.startswith("QR_LIMIT"):
            answer["expire_seconds"] = int(body.get("expire_seconds") or 60)
        return web.json_response(answer)

    async def menu_create(self, request: web.Request) -> web.Response:
        failure = self._check(request, "mp")
        if failure:
            return failure
        buttons = (await _json(request)).get("button")
        refusal = _menu_refusal(buttons)
        if refusal:
            return _error(*refusal)
        self.menu = buttons
        return _error(0, "ok")

    async def media_upload(self, request: web.Request) -> web.Response:
        failure = self._check(request, "work")
        if failure:
            return failure
        form = await request.post()
        upload = form.get("media")
        if upload is None or not hasattr(upload, "file"):
            return _error(41005, "media data missing")
        media_id = f"media-{next(self._counter)}"
        self.media[media_id] = upload.file.read()
        return web.json_response(
            {
                "errcode": 0,
                "errmsg": "ok",
                "type": "image",
                "media_id": media_id,
                "created_at": "1700000000",
            }
        )

    async def media_get(self, request: web.Request) -> web.Response:
        """Temporary media (both APIs, one path): the file itself, or JSON naming the error
        (40007 for a media_id that API does not hold, or one older than its 3 days)."""
        work = request.query.get("access_token") == self._tokens.get("work")
        failure = self._check(request, "work" if work else "mp")
        if failure:
            return failure
        media_id = request.query.get("media_id", "")
        if work:
            found = (self.media[media_id], "image/png") if media_id in self.media else None
        else:
            found = self.mp_media.get(media_id)
        if found is None:
            return _error(40007, "invalid media_id")
        body, content_type = found
        disposition = f'attachment; filename="{media_id}.jpg"'
        return web.Response(
            body=body, content_type=content_type, headers={"Content-disposition": disposition}
        )

    async def work_send(self, request: web.Request) -> web.Response:
        failure = self._check(request, "work")
        if failure:
            return failure
        body = await _json(request)
        users = [u for u in str(body.get("touser", "")).split("|") if u]
        invalid = [u for u in users if self.work_users and u not in self.work_users]
        if users and len(invalid) == len(users):
            return _error(81013, "user & party & tag all invalid")
        if self._seen_before(body):  # WeCom's duplicate check: accepted, not delivered again
            return web.json_response({"errcode": 0, "errmsg": "ok", "invaliduser": ""})
        text = body.get("text", {}).get("content", "")
        if body.get("msgtype") == "image":
            text = f"[image {body.get('image', {}).get('media_id', '')}]"
        for user in users:
            if user not in invalid:
                self._keep(Sent("work", user, text))
        return web.json_response(
            {
                "errcode": 0,
                "errmsg": "ok",
                "invaliduser": "|".join(invalid),
                "msgid": f"msg{next(self._counter)}",
            }
        )

    def _seen_before(self, body: dict) -> bool:
        """With `enable_duplicate_check`, the same request JSON within the interval (default
        1800 s) is not delivered again, as WeCom documents for message/send."""
        if body.get("enable_duplicate_check") != 1:
            return False
        key, now = json.dumps(body, sort_keys=True, ensure_ascii=False), time.monotonic()
        seen = self._requests.get(key)
        self._requests[key] = now if seen is None else seen
        return seen is not None and now - seen < int(body.get("duplicate_check_interval", 1800))

    def _check(self, request: web.Request, channel: str) -> web.Response | None:
        if self.fail_next:
            return web.json_response(self.fail_next.pop(0))
        if request.query.get("access_token") != self._tokens.get(channel):
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        return None


# What menu/create checks, as the Official Account's documentation and return codes say: at
# most 3 buttons, 5 in a group; names of at most 16 bytes (60 in a group); known types; a key
# of at most 128 bytes where the type needs one.
MENU_TYPES = frozenset(
    {
        "click",
        "view",
        "scancode_push",
        "scancode_waitmsg",
        "pic_sysphoto",
        "pic_photo_or_album",
        "pic_weixin",
        "location_select",
        "media_id",
        "article_id",
        "article_view_limited",
        "miniprogram",
    }
)
KEYED_TYPES = MENU_TYPES - {
    "view",
    "media_id",
    "article_id",
    "article_view_limited",
    "miniprogram",
}
TOP, SUB = (40017, 40018, 40019, 16), (40024, 40025, 40026, 60)  # type, name, key codes


def _menu_refusal(buttons: object) -> tuple[int, str] | None:
    """(errcode, errmsg) for a menu WeChat would refuse, or None."""
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return 40016, "invalid button size"
    for button in buttons:
        subs = button.get("sub_button") if isinstance(button, dict) else None
        if subs is None:
            refusal = _button_refusal(button, TOP)
        elif not isinstance(subs, list) or not 1 <= len(subs) <= 5:
            return 40023, "invalid sub button size"
        else:
            found = (_button_refusal(button, TOP, group=True), *map(_sub_refusal, subs))
            refusal = next((r for r in found if r), None)
        if refusal:
            return refusal
    return None


def _sub_refusal(button: object) -> tuple[int, str] | None:
    return _button_refusal(button, SUB)


def _button_refusal(button: object, codes: tuple, group: bool = False) -> tuple[int, str] | None:
    type_code, name_code, key_code, name_bytes = codes
    if not isinstance(button, dict):
        return type_code, "invalid button type"
    if not 0 < len(str(button.get("name", "")).encode()) <= name_bytes:
        return name_code, "invalid button name size"
    if group:
        return None
    if button.get("type") not in MENU_TYPES:
        return type_code, "invalid button type"
    key = str(button.get("key", "")).encode()
    if button["type"] in KEYED_TYPES and not 0 < len(key) <= 128:
        return key_code, "invalid button key size"
    return None


async def _json(request: web.Request) -> dict:
    try:
        body = json.loads(await request.text())
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


QR_ACTIONS = ("QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE")
SCENE_STR_CHARS = 64  # "长度限制为1到64"
LIMIT_SCENE_IDS = 100_000  # a permanent scene_id is 1 to 100000


def _valid_scene(value: object, action: str) -> bool:
    if action.endswith("STR_SCENE"):
        return isinstance(value, str) and 1 <= len(value) <= SCENE_STR_CHARS
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return False
    return value <= LIMIT_SCENE_IDS or action == "QR_SCENE"


OAUTH_SCOPES = ("snsapi_base", "snsapi_privateinfo")


def _login_page(text: str) -> web.Response:
    """WeCom's own page, when it does not send the browser back."""
    return web.Response(text=f"<p>{text}</p>", content_type="text/html")


def _error(errcode: int, errmsg: str) -> web.Response:
    return web.json_response({"errcode": errcode, "errmsg": errmsg})

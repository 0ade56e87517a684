"""Outbound WeChat and WeCom API calls over aiohttp, every URL under a configurable base."""

from __future__ import annotations

import asyncio
import base64
import logging
from datetime import UTC, datetime, timedelta
from json import dumps

import aiohttp

from bot.wire import clip_to_bytes
from handlers.ports import Clock
from storage.tokens import TokenStore

log = logging.getLogger(__name__)
TOKEN_EXPIRED = frozenset({40001, 40014, 42001})
# Retrying cannot help: window closed, unsubscribed, bad openid, no such WeCom user.
NOT_RETRYABLE = frozenset({45015, 43004, 40003, 81013})
WINDOW_CLOSED = 45015
# WeCom drops a message/send whose request JSON it received within the interval (at most 4 h):
# a message sent again because the process died before recording it is not shown twice.
DUPLICATE_CHECK = {"enable_duplicate_check": 1, "duplicate_check_interval": 4 * 3600}
TIMEOUT = aiohttp.ClientTimeout(total=10)
# WeChat shows \uXXXX escapes literally: send UTF-8, as wechatpy does.
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
# WeCom documents a text message's content as at most 2048 bytes ("Send application messages",
# developer.work.weixin.qq.com/document/path/90236). The Official Account's customer-service
# API documents no figure, only errcode 45002 "content size out of limit": 2048 bytes as well.
WORK_TEXT_BYTES = 2048
MP_TEXT_BYTES = 2048
# A temporary image is at most 10 MB (WeChat's "Get temporary material" / upload limits).
MEDIA_BYTES = 10 * 1024 * 1024


class ApiError(Exception):
    def __init__(self, errcode: int, errmsg: str):
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg

    @classmethod
    def http(cls, status: int) -> ApiError:
        """The API answered with an HTTP status other than 2xx instead of a JSON errcode."""
        error = cls(-status, f"HTTP {status}")
        error.args = (f"HTTP {status} from the API",)
        return error

    @property
    def retryable(self) -> bool:
        return self.errcode not in NOT_RETRYABLE


class _Api:
    """A token-holding client: one refresh at a time, refresh once on an expired token."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base: str,
        clock: Clock,
        store: TokenStore | None = None,
        *,
        timeout: aiohttp.ClientTimeout = TIMEOUT,
    ):
        self._http = http
        self._timeout = timeout  # each call to WeChat gives up after this
        self._base = base.rstrip("/")
        self._clock = clock
        self._store = store  # shared through the database; None: this process alone
        self._token = ""
        self._expires = datetime.min.replace(tzinfo=UTC)
        self._lock = asyncio.Lock()
        self._fetched = 0  # token fetches this process has finished, well or not
        self._failure: Exception | None = None  # how the last one failed, if it did

    async def token(self, stale: str = "") -> str:
        """The app's access token; `stale` is one WeChat just refused (40001/42001). Callers
        that waited while a fetch failed are told of that failure instead of each trying
        again: a burst of sends to an unreachable API costs one timeout, not one each."""
        fetched = self._fetched
        async with self._lock:
            now = self._clock.now()
            if self._token and self._token != stale and now < self._expires:
                return self._token
            if self._fetched != fetched and self._failure is not None:
                raise ApiError(-1, f"access token not available: {self._failure}")
            self._failure = None
            try:
                await self._renew(now, stale)
            except Exception as error:
                self._failure = error
                raise
            finally:
                self._fetched += 1
            return self._token

    async def _renew(self, now: datetime, stale: str) -> None:
        if self._store:
            self._token, self._expires = await self._store.token(now, stale, self._fetch)
        else:
            token, lifetime = await self._fetch(bool(stale))
            self._token = token
            self._expires = now + timedelta(seconds=max(lifetime - 300, 60))

    async def _fetch(self, force: bool) -> tuple[str, int]:
        data = await self._fetch_token(force=force)
        log.info("%s access token fetched", type(self).__name__)
        return data["access_token"], int(data.get("expires_in", 7200))

    async def _fetch_token(self, force: bool) -> dict:
        raise NotImplementedError

    async def get_media(self, media_id: str, limit: int = MEDIA_BYTES) -> tuple[bytes, str]:
        """media/get (the same path on both APIs): a photo a message brought (temporary
        media, kept 3 days) and its content type. An error comes as JSON instead of the file:
        40007 for a media_id this API does not hold."""
        token = await self.token()
        found = await self._media(token, media_id, limit)
        if isinstance(found, dict) and found.get("errcode") in TOKEN_EXPIRED:
            found = await self._media(await self.token(stale=token), media_id, limit)
        if isinstance(found, dict):
            _checked(found)
            raise ApiError(-1, "media/get answered no file")
        return found

    async def _media(self, token: str, media_id: str, limit: int) -> tuple[bytes, str] | dict:
        """The file and its type, or WeChat's JSON answer; a file over `limit` bytes is
        refused without reading the rest."""
        params = {"access_token": token, "media_id": media_id}
        async with self._http.get(
            f"{self._base}/cgi-bin/media/get",
            params=params,
            timeout=self._timeout,
            allow_redirects=False,
        ) as response:
            _check_status(response)
            if response.content_type in ("application/json", "text/plain"):
                return await response.json(content_type=None)
            body = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                body += chunk
                if len(body) > limit:
                    raise ApiError(-1, "media too large")
            return bytes(body), response.content_type

    async def _post(self, path: str, payload: dict) -> dict:
        token = await self.token()
        data = await self._request("POST", path, params={"access_token": token}, json=payload)
        if data.get("errcode") in TOKEN_EXPIRED:
            token = await self.token(stale=token)
            data = await self._request("POST", path, params={"access_token": token}, json=payload)
        return _checked(data)

    async def _get(self, path: str, params: dict) -> dict:
        token = await self.token()
        data = await self._request("GET", path, params={"access_token": token, **params})
        if data.get("errcode") in TOKEN_EXPIRED:
            token = await self.token(stale=token)
            data = await self._request("GET", path, params={"access_token": token, **params})
        return _checked(data)

    async def _request(
        self, method: str, path: str, *, json: dict | None = None, params: dict | None = None
    ) -> dict:
        url = f"{self._base}/cgi-bin/{path}"
        body = None if json is None else dumps(json, ensure_ascii=False).encode("utf-8")
        async with self._http.request(
            method,
            url,
            params=params,
            data=body,
            timeout=self._timeout,
            allow_redirects=False,
            headers=JSON_HEADERS if body else None,
        ) as response:
            _check_status(response)
            try:
                return await response.json(content_type=None)
            except ValueError:
                raise ApiError(-1, "response is not JSON") from None


def _check_status(response: aiohttp.ClientResponse) -> None:
    """Only a 2xx carries WeChat's answer. Redirects are not followed (a POST would go on as a
    GET and its answer pass for a delivery): a 3xx fails like a 5xx, to be tried again."""
    if not 200 <= response.status < 300:
        raise ApiError.http(response.status)


def _checked(data: dict) -> dict:
    if data.get("errcode", 0) != 0:
        raise ApiError(int(data["errcode"]), str(data.get("errmsg", "")))
    return data


class MpApi(_Api):
    """The Official Account: stable_token, customer-service messages, QR codes, the menu."""

    def __init__(
        self,
        http,
        base: str,
        clock: Clock,
        appid: str,
        secret: str,
        store: TokenStore | None = None,
        *,
        timeout: aiohttp.ClientTimeout = TIMEOUT,
    ):
        super().__init__(http, base, clock, store, timeout=timeout)
        self._appid, self._secret = appid, secret

    async def _fetch_token(self, force: bool) -> dict:
        payload = {
            "grant_type": "client_credential",
            "appid": self._appid,
            "secret": self._secret,
            "force_refresh": force,
        }
        return _checked(await self._request("POST", "stable_token", json=payload))

    async def send(self, openid: str, body: dict) -> None:
        if body.get("msgtype") == "template":
            template = body["template"]
            await self.send_template(openid, template["id"], template["data"])
            return
        await self._post("message/custom/send", {"touser": openid, **_text(body, MP_TEXT_BYTES)})

    async def send_template(self, openid: str, template_id: str, data: dict) -> None:
        """A template message: reaches a resident even after the 48-hour window."""
        payload = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
        }
        await self._post("message/template/send", payload)

    async def create_qrcode(self, scene: str) -> dict:
        """A permanent parametric QR code (qrcode/create, QR_LIMIT_STR_SCENE): its `ticket`
        and the `url` to draw; a scan of it brings WeChat's event with `scene` as EventKey."""
        payload = {
            "action_name": "QR_LIMIT_STR_SCENE",
            "action_info": {"scene": {"scene_str": scene}},
        }
        return await self._post("qrcode/create", payload)

    async def create_menu(self, buttons: list[dict]) -> None:
        """menu/create: the Official Account's menu, for everyone who follows it."""
        await self._post("menu/create", {"button": buttons})


class WorkApi(_Api):
    """The WeCom self-built app: gettoken, application messages, login codes."""

    def __init__(
        self,
        http,
        base: str,
        clock: Clock,
        corpid: str,
        secret: str,
        agentid: int,
        store: TokenStore | None = None,
        *,
        timeout: aiohttp.ClientTimeout = TIMEOUT,
    ):
        super().__init__(http, base, clock, store, timeout=timeout)
        self._corpid, self._secret, self._agentid = corpid, secret, agentid

    async def _fetch_token(self, force: bool) -> dict:
        params = {"corpid": self._corpid, "corpsecret": self._secret}
        return _checked(await self._request("GET", "gettoken", params=params))

    async def send(self, userid: str, body: dict) -> None:
        if body.get("msgtype") == "image":
            message = {
                "msgtype": "image",
                "image": {"media_id": await self.upload_image(body["png"])},
            }
        else:
            message = _text(body, WORK_TEXT_BYTES)
        payload = {"touser": userid, "agentid": self._agentid, **message, **DUPLICATE_CHECK}
        data = await self._post("message/send", payload)
        if data.get("invaliduser"):
            raise ApiError(81013, f"invalid user {data['invaliduser']}")

    async def user_of_code(self, code: str) -> dict:
        """auth/getuserinfo: who a login `code` from WeCom's OAuth or QR login is, as WeCom
        answers it (`userid` for a member of the corp, `openid` for anyone else); an ApiError
        40029 for a code that is unknown, used or older than five minutes."""
        return await self._get("auth/getuserinfo", {"code": code})

    async def upload_image(self, png_base64: str) -> str:
        """media/upload: a temporary image for a message; its media_id."""
        form = aiohttp.FormData()
        form.add_field(
            "media", base64.b64decode(png_base64), filename="chart.png", content_type="image/png"
        )
        token = await self.token()
        url = f"{self._base}/cgi-bin/media/upload"
        params = {"access_token": token, "type": "image"}
        async with self._http.post(
            url, params=params, data=form, timeout=self._timeout, allow_redirects=False
        ) as response:
            _check_status(response)
            return _checked(await response.json(content_type=None))["media_id"]


def _text(body: dict, limit: int) -> dict:
    """A text message of the row's text, clipped to `limit` bytes; the row keeps it whole."""
    return {"msgtype": "text", "text": {"content": clip_to_bytes(body["text"], limit)}}

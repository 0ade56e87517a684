"""The Open311 GeoReport v2 edge: `/open311/v2/…` in XML and JSON, with the spec's errors."""

from __future__ import annotations

import json
import logging
from xml.etree import ElementTree

from aiohttp import web
from sqlalchemy.exc import DBAPIError

from config.settings import Open311Options, Settings
from handlers import open311, texts
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
PREFIX = "/open311/v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"xml": "text/xml", "json": "application/json"}
CHANGESET = "2026-12-02T00:00:00+08:00"
ATTRIBUTES = [
    {
        "variable": True,
        "code": "in_danger",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "是否有人正处于危险之中",
        "order": 1,
        "description": "现在是否有人身处危险？",
        "values": [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}],
    }
]


class Problem(Exception):
    """An answer in the spec's error format."""

    def __init__(self, status: int, description: str, headers: dict | None = None):
        super().__init__(description)
        self.status, self.description, self.headers = status, description, headers or {}


def add_routes(app: web.Application, services_key, settings: Settings) -> None:
    """Called by the app factory; `services_key` reaches the running app's resources."""
    app[OPTIONS] = Open311Options.from_settings(settings)
    fmt, code = "{format:[^/.]+}", "{code:[^/.]+}"
    routes = {
        f"discovery.{fmt}": discovery,
        f"services.{fmt}": service_list,
        f"services/{code}.{fmt}": definition,
        f"requests.{fmt}": request_list,
        f"requests/{code}.{fmt}": one_request,
        f"servicerequestupdates.{fmt}": updates,
        "tokens/{token:[^/.]+}." + fmt: token,
    }
    for path, handler in routes.items():
        app.router.add_get(f"{PREFIX}/{path}", _answering(handler, services_key))
    app.router.add_post(f"{PREFIX}/requests.{fmt}", _answering(file_request, services_key))


def _answering(handler, services_key):
    async def answer(request: web.Request) -> web.Response:
        request[SERVICES] = request.app[services_key]
        kind = request.match_info["format"]
        if kind not in FORMATS:
            return _error("xml", 404, texts.OPEN311_BAD_FORMAT.format(format=kind[:20]))
        try:
            if request.method == "POST":
                request[FORM] = await _form(request)
            _check_jurisdiction(request)
            root, items, body = await handler(request)
        except open311.BadParameter as problem:
            return _error(kind, 400, str(problem))
        except Problem as problem:
            response = _error(kind, problem.status, problem.description)
            response.headers.update(problem.headers)
            return response
        except (DBAPIError, OSError) as error:  # the database is down: say so, retry later
            log.error("open311 %s failed: %s", request.path, type(error).__name__)
            response = _error(kind, 503, texts.OPEN311_UNAVAILABLE)
            response.headers["Retry-After"] = "30"
            return response
        return _render(kind, root, items, body)

    return answer


SERVICES = web.RequestKey("open311_services", object)
FORM = web.RequestKey("open311_form", object)
OPTIONS = web.AppKey("open311_options", Open311Options)
MAX_FORM_KIB = 64  # the app's client_max_size


async def _form(request: web.Request):
    try:
        return await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise Problem(413, texts.OPEN311_TOO_LARGE.format(kib=MAX_FORM_KIB)) from None
    except ValueError:  # a body that is not a form
        raise open311.BadParameter("body", texts.OPEN311_NOT_A_FORM) from None


def _params(request: web.Request):
    return request.get(FORM) or request.query


async def _key(request: web.Request, uow: UnitOfWork, required: bool):
    """The request's valid key, or None; a 403 when one is required or a bad one is given."""
    given = (_params(request).get("api_key") or request.query.get("api_key") or "").strip()
    key = await uow.open311.key_for(given) if given else None
    if (given or required) and key is None:
        raise Problem(403, texts.OPEN311_KEY_NEEDED)
    return key


def _private_reads(request: web.Request) -> bool:
    return _options(request).private_reads


def _services(request: web.Request):
    return request[SERVICES]


def _options(request: web.Request) -> Open311Options:
    return request.app[OPTIONS]


def _check_jurisdiction(request: web.Request) -> None:
    wanted = _options(request).jurisdiction
    given = request.query.get("jurisdiction_id", "").strip()
    if wanted and given and given != wanted:
        problem = texts.OPEN311_BAD_JURISDICTION.format(jurisdiction=wanted)
        raise open311.BadParameter("jurisdiction_id", problem)


async def discovery(request: web.Request):
    base = f"{request.scheme}://{request.host}{PREFIX}/"
    body = {
        "changeset": CHANGESET,
        "contact": "",
        "key_service": "",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": list(FORMATS.values()),
            }
        ],
    }
    return "discovery", None, body


async def service_list(request: web.Request):
    found = open311.services()
    for entry in found:
        entry["metadata"] = True
    return "services", "service", found


async def definition(request: web.Request):
    code = request.match_info["code"]
    if open311.find_service(code) is None:
        raise Problem(404, texts.OPEN311_NOT_FOUND.format(what=code[:64]))
    return "service_definition", None, {"service_code": code, "attributes": ATTRIBUTES}


async def request_list(request: web.Request):
    services = _services(request)
    query = open311.Query.parse(request.query, services.clock.now())
    async with UnitOfWork.opened(services.sessionmaker) as uow:
        key = await _key(request, uow, _private_reads(request))
        found = await open311.find_requests(uow, query, key)
    return "service_requests", "request", found


async def one_request(request: web.Request):
    services = _services(request)
    code = request.match_info["code"]
    async with UnitOfWork.opened(services.sessionmaker) as uow:
        key = await _key(request, uow, _private_reads(request))
        found = await open311.find_request(uow, code, key)
    if found is None:
        raise Problem(404, texts.OPEN311_NOT_FOUND.format(what=code[:64]))
    return "service_requests", "request", [found]


async def token(request: web.Request):
    """Requests are filed at once, so a request's token is its code (the spec's GET tokens)."""
    services = _services(request)
    code = request.match_info["token"]
    async with UnitOfWork.opened(services.sessionmaker) as uow:
        key = await _key(request, uow, _private_reads(request))
        found = await open311.find_request(uow, code, key)
    if found is None:
        raise Problem(404, texts.OPEN311_NOT_FOUND.format(what=code[:64]))
    return "service_requests", "request", [{"service_request_id": code, "token": code}]


async def updates(request: web.Request):
    services = _services(request)
    async with UnitOfWork.opened(services.sessionmaker) as uow:
        key = await _key(request, uow, _private_reads(request))
        found = await open311.find_updates(uow, request.query, services.clock.now(), key)
    return "service_request_updates", "request_update", found


async def file_request(request: web.Request):
    services = _services(request)
    form, now = request[FORM], services.clock.now()
    async with UnitOfWork.opened(services.sessionmaker) as uow:
        key = await _key(request, uow, required=True)
        minute, into = divmod(int(now.timestamp()), 60)
        if not await uow.open311.take_post(key, minute, _options(request).per_minute):
            wait = str(60 - into)  # seconds to the next minute, when the budget comes back
            problem = texts.OPEN311_RATE_LIMITED.format(seconds=wait)
            raise Problem(429, problem, {"Retry-After": wait})
        await uow.commit()  # the budget is spent at once: the key's row stays locked briefly
        filed = await open311.file_request(uow, services.dispatcher_ports, key, form, now)
        await uow.commit()
    services.relay.wake()
    log.info("open311 request %s filed with key %s", filed.code, key.name)
    answer = {
        "service_request_id": filed.code,
        "token": filed.code,
        "service_notice": filed.notice,
        "account_id": None,
    }
    return "service_requests", "request", [answer]


def _error(kind: str, status: int, description: str) -> web.Response:
    errors = [{"code": status, "description": description}]
    response = _render(kind, "errors", "error", errors)
    response.set_status(status)
    return response


def _render(kind: str, root: str, item: str | None, body) -> web.Response:
    if kind == "json":
        text = json.dumps(body, ensure_ascii=False)
        return web.Response(text=text, content_type="application/json", charset="utf-8")
    element = ElementTree.Element(root)
    if item is None:
        _fill(element, body)
    else:
        for entry in body:
            _fill(ElementTree.SubElement(element, item), entry)
    text = ElementTree.tostring(element, encoding="unicode", xml_declaration=False)
    xml = '<?xml version="1.0" encoding="utf-8"?>\n' + text
    return web.Response(text=xml, content_type="text/xml", charset="utf-8")


PLURALS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def _fill(element: ElementTree.Element, value) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ElementTree.SubElement(element, key), inner)
    elif isinstance(value, list):
        for inner in value:
            _fill(ElementTree.SubElement(element, PLURALS.get(element.tag, "item")), inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)

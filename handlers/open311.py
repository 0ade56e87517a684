"""Open311 GeoReport v2 read models: the eight duties as services, tickets as service
requests. An unkeyed read is public data: no address, the point rounded to about 100 m,
typed numbers masked, and nothing about vulnerable people or emergencies."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from handlers import texts
from handlers.masking import mask_text
from handlers.tickets.duty import to_desk
from handlers.tickets.linking import join, nearest_open
from handlers.tickets.places import find_place
from handlers.tickets.routing import assign, choose_assignee, open_ticket
from nlu.categories import BY_ID, CATEGORIES, Category
from nlu.classifier import classify
from storage.models import Attachment, Ticket
from storage.repos.open311 import Listed
from storage.uow import UnitOfWork

ZONE = timezone(timedelta(hours=8))
OPEN_STATES = ("new", "assigned", "accepted", "on_site")
CLOSED_STATES = ("resolved", "closed", "withdrawn")
WINDOW = timedelta(days=90)
PAGE_SIZE = 1000
MAX_CODES = 1000
PUBLIC_DIGITS = 3  # about 100 m


class BadParameter(Exception):
    """A query parameter the spec's 400 names."""

    def __init__(self, name: str, problem: str):
        super().__init__(texts.OPEN311_BAD_PARAMETER.format(name=name, problem=problem))
        self.name = name


def service(category: Category) -> dict:
    return {
        "service_code": category.id,
        "service_name": category.name,
        "description": category.examples,
        "metadata": False,
        "type": "realtime",
        "keywords": category.examples.replace("、", ","),
        "group": texts.OPEN311_SERVICE_GROUP,
    }


def services() -> list[dict]:
    return [service(category) for category in CATEGORIES]


def find_service(code: str) -> dict | None:
    category = BY_ID.get(code)
    return service(category) if category else None


def w3c(moment: datetime | None) -> str | None:
    """W3C date and time in the zone +08:00; stored times without a zone are UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZONE).isoformat(timespec="seconds")


def parse_w3c(name: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadParameter(name, texts.OPEN311_BAD_DATE) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZONE)


def _positive(name: str, value: str | None, default: int, most: int) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit() or int(value) < 1:
        raise BadParameter(name, texts.OPEN311_NOT_A_NUMBER)
    return min(int(value), most)


@dataclass(frozen=True)
class Query:
    """`GET requests`: by codes (then the other filters are ignored, as the spec says), or by
    service codes, a window of at most 90 days (default the last 90), status and page."""

    codes: list[str] | None = None
    categories: list[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    states: tuple[str, ...] | None = None
    page: int = 1
    page_size: int = PAGE_SIZE
    extra: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, params, now: datetime) -> Query:
        page = _positive("page", params.get("page"), 1, 1_000_000)
        size = _positive("page_size", params.get("page_size"), PAGE_SIZE, PAGE_SIZE)
        codes = [c.strip() for c in params.get("service_request_id", "").split(",") if c.strip()]
        if len(codes) > MAX_CODES:
            raise BadParameter(
                "service_request_id", texts.OPEN311_TOO_MANY_CODES.format(count=MAX_CODES)
            )
        if codes:
            return cls(codes=codes, page=page, page_size=size)
        categories = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
        for code in categories:
            if code not in BY_ID:
                raise BadParameter("service_code", texts.OPEN311_NOT_FOUND.format(what=code))
        start, end = params.get("start_date"), params.get("end_date")
        until = parse_w3c("end_date", end) if end else None
        since = parse_w3c("start_date", start) if start else None
        if since is None:
            since = (until or now) - WINDOW
        if until is not None and until < since:
            raise BadParameter("end_date", texts.OPEN311_END_BEFORE_START)
        if until is not None and until - since > WINDOW:
            raise BadParameter("end_date", texts.OPEN311_WINDOW_TOO_LONG.format(days=WINDOW.days))
        if until is None and since + WINDOW < now:
            until = since + WINDOW
        status = params.get("status", "").strip()
        wanted = {"open": OPEN_STATES, "closed": CLOSED_STATES}
        states = None
        if status:
            chosen = [wanted.get(s.strip()) for s in status.split(",")]
            if None in chosen:
                raise BadParameter("status", texts.OPEN311_BAD_STATUS)
            states = tuple(state for group in chosen for state in group)
        return cls(None, categories or None, since, until, states, page, size)


def status_of(ticket: Ticket | Listed) -> str:
    return "closed" if ticket.state in CLOSED_STATES else "open"


async def find_requests(uow: UnitOfWork, query: Query, key=None) -> list[dict]:
    """Without a key, public data only; a key reads in full within its unit (the whole
    county when it has none), and elsewhere as the public does."""
    found = await uow.open311.requests(
        categories=query.categories or list(BY_ID),
        codes=query.codes,
        since=query.since,
        until=query.until,
        states=query.states,
        public=key is None,
        full_within=key.unit_path if key else None,
        offset=(query.page - 1) * query.page_size,
        limit=query.page_size,
    )
    shown = []
    for row in found:
        full = key is not None and _within(row.unit_path, key.unit_path)
        if not full and _sensitive(row):  # left out by the query already; kept as a guard
            continue
        shown.append(_request(row, public=not full))
    return shown


def _within(path: str | None, granted: str | None) -> bool:
    if granted is None:
        return True
    return path is not None and (path == granted or path.startswith(granted + "/"))


def _sensitive(ticket: Ticket | Listed) -> bool:
    return ticket.category == "special_population" or ticket.urgent or ticket.must_attend


async def find_request(uow: UnitOfWork, code: str, key=None) -> dict | None:
    found = await find_requests(uow, Query(codes=[code]), key)
    return found[0] if found else None


def _request(ticket: Listed, public: bool) -> dict:
    """A listed ticket (a row of `Open311.requests`) as the spec's request."""
    lat, lon = ticket.lat, ticket.lon
    if public and lat is not None and lon is not None:
        lat, lon = round(lat, PUBLIC_DIGITS), round(lon, PUBLIC_DIGITS)
    expected = ticket.deadline_at if ticket.deadline_kind == "resolve" else None
    return {
        "service_request_id": ticket.code,
        "status": status_of(ticket),
        "status_notes": texts.STATE_NAMES.get(ticket.state, ticket.state),
        "service_name": BY_ID[ticket.category].name,
        "service_code": ticket.category,
        "description": mask_text(ticket.text or ""),
        "agency_responsible": ticket.unit_path,
        "service_notice": None,
        "requested_datetime": w3c(ticket.created_at),
        "updated_datetime": w3c(ticket.updated_at),
        "expected_datetime": w3c(expected),
        "address": None if public else ticket.place,
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": ticket.media_url,
    }


MAX_DESCRIPTION = 4000
MAX_URL = 2000
MAX_NAME = 200
CONTACT_FIELDS = ("first_name", "last_name", "phone", "email", "device_id", "account_id")


@dataclass(frozen=True)
class Filed:
    code: str
    notice: str | None


async def file_request(uow: UnitOfWork, ports, key, form, now: datetime) -> Filed:
    """`POST requests`: a ticket exactly as a resident's report becomes one (classified when
    the service code is missing or `auto`, emergencies alerted, routed with its deadlines
    and notices to staff); a point outside every grid goes to the duty desk at once, and
    the same problem already open nearby is joined, not opened again (its id is the answer).
    The contact details are sealed and never shown back; the filing is audited with the key."""
    text, code, media = _checked(form)
    lat, lon, grid_id, place = await _where(uow, ports, form)
    prediction = await classify(ports.classifier, text) if text else None
    category = code if code in BY_ID else _likeliest(prediction)
    in_danger = form.get("attribute[in_danger]", "").strip().lower() == "yes"
    urgent = in_danger or bool(prediction and prediction.urgent)
    filer, said = f"open311:{key.name}", text or BY_ID[category].name
    sure = code in BY_ID or urgent or prediction.confidence >= ports.policy.choice_threshold
    same = (
        sure and lat is not None and await nearest_open(uow, category, lat, lon, now, ports.policy)
    )
    if same:
        await join(uow, same, filer, said, now)
    ticket = same or await _opened(
        uow,
        ports,
        now,
        filer,
        category=category,
        text=said,
        urgent=urgent,
        must_attend=bool(prediction and prediction.must_attend),
        where=(lat, lon, place, grid_id),
    )
    await uow.flush()
    contact = {name: form.get(name, "").strip()[:MAX_NAME] for name in CONTACT_FIELDS}
    contact = {name: value for name, value in contact.items() if value}
    uow.open311.add_contact(
        ticket.id, key.name, json.dumps(contact, ensure_ascii=False) if contact else None
    )
    if media:
        uow.add(Attachment(ticket_id=ticket.id, kind="link", url=media, created_at=now))
    uow.registry.audit(filer, "open311_request", ticket.code, "Open311 POST requests", now)
    return Filed(ticket.code, _notice(urgent, prediction, joined=same))


def _checked(form) -> tuple[str, str, str | None]:
    """(description, service code, media url) as given, or the parameter that is wrong."""
    if form.get("address_id", "").strip():
        raise BadParameter("address_id", texts.OPEN311_NOT_SUPPORTED)
    text = form.get("description", "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise BadParameter("description", texts.OPEN311_TOO_LONG.format(count=MAX_DESCRIPTION))
    code = form.get("service_code", "").strip()
    if code not in ("", "auto") and code not in BY_ID:
        raise BadParameter("service_code", texts.OPEN311_NOT_FOUND.format(what=code[:64]))
    if code in ("", "auto") and not text:
        raise BadParameter("description", texts.OPEN311_DESCRIPTION_NEEDED)
    return text, code, _media_url(form.get("media_url", "").strip())


def _notice(urgent: bool, prediction, joined: Ticket | None) -> str | None:
    """The service_notice: the fitting emergency line, and the ticket a request joined."""
    notice = texts.URGENT_FIRST_LINE if urgent else None
    if prediction and prediction.risk != "none":
        notice = texts.EMERGENCY_LINES.get(prediction.emergency_kind, texts.URGENT_FIRST_LINE)
    if joined:
        line = texts.OPEN311_JOINED.format(code=joined.code)
        notice = f"{notice}\n{line}" if notice else line
    return notice


async def _opened(
    uow: UnitOfWork,
    ports,
    now: datetime,
    filer: str,
    *,
    category: str,
    text: str,
    urgent: bool,
    must_attend: bool,
    where: tuple,
) -> Ticket:
    """A new ticket, routed with its deadlines (the duty desk's off the grids)."""
    lat, lon, place, grid_id = where
    # routed before it is opened, so the ticket is written once (one INSERT, no UPDATE)
    routing = await choose_assignee(uow, grid_id, category) if grid_id is not None else None
    ticket = await open_ticket(
        uow,
        now,
        filer,
        source="open311",
        category=category,
        text=text,
        urgent=urgent,
        must_attend=must_attend,
        lat=lat,
        lon=lon,
        place=place,
        grid_id=grid_id,
        unit_id=grid_id,
    )
    if routing is None:
        await to_desk(uow, ticket, now, ports.policy, alert=urgent)
    else:
        await assign(uow, ticket, routing, now, ports.policy, alert=urgent)
    return ticket


def _likeliest(prediction) -> str:
    if prediction and prediction.category in BY_ID:
        return prediction.category
    for category in prediction.alternatives if prediction else ():
        if category in BY_ID:
            return category
    raise BadParameter("service_code", texts.OPEN311_NO_CATEGORY)


def _media_url(url: str) -> str | None:
    if not url:
        return None
    if len(url) > MAX_URL or not url.lower().startswith(("http://", "https://")):
        raise BadParameter("media_url", texts.OPEN311_BAD_URL)
    return url


async def _where(uow: UnitOfWork, ports, form) -> tuple:
    """(lat, lon, grid id, typed address): a point, else the address through the place
    lookup; a point outside every grid has no grid (the duty desk takes it)."""
    lat, lon = form.get("lat", "").strip(), form.get("long", "").strip()
    address = form.get("address_string", "").strip()[:MAX_NAME] or None
    if lat or lon:
        point = _number("lat", lat, 90), _number("long", lon, 180)
        return point[0], point[1], ports.grids.locate(point[1], point[0]), address
    if address:
        found = await find_place(uow, address)
        if found is None:
            raise BadParameter("address_string", texts.OPEN311_PLACE_UNKNOWN)
        return None, None, found.grid_id, address
    raise BadParameter("lat", texts.OPEN311_LOCATION_NEEDED)


def _number(name: str, value: str, most: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise BadParameter(name, texts.OPEN311_BAD_POINT) from None
    if not math.isfinite(number) or abs(number) > most:
        raise BadParameter(name, texts.OPEN311_BAD_POINT)
    return number


# FixMyStreet's extension: GET servicerequestupdates (mySociety's Open311 updates)
UPDATE_STATUS = {
    "assign": "OPEN",
    "transfer": "OPEN",
    "return": "OPEN",
    "reopen": "OPEN",
    "accept": "IN_PROGRESS",
    "arrive": "IN_PROGRESS",
    "resolve": "FIXED",
    "close": "CLOSED",
    "withdraw": "NO_FURTHER_ACTION",
}
UPDATE_STATE = {
    "assign": "assigned",
    "transfer": "assigned",
    "return": "assigned",
    "reopen": "assigned",
    "accept": "accepted",
    "arrive": "on_site",
    "resolve": "resolved",
    "close": "closed",
    "withdraw": "withdrawn",
}


async def find_updates(uow: UnitOfWork, params, now: datetime, key=None) -> list[dict]:
    """Each change of a ticket's state in the window (default the last 90 days), oldest
    first: update_id, service_request_id, status, description (the new state in Chinese,
    never what staff wrote), updated_datetime."""
    start, end = params.get("start_date"), params.get("end_date")
    until = parse_w3c("end_date", end) if end else now
    since = parse_w3c("start_date", start) if start else until - WINDOW
    if until < since:
        raise BadParameter("end_date", texts.OPEN311_END_BEFORE_START)
    if until - since > WINDOW:
        raise BadParameter("end_date", texts.OPEN311_WINDOW_TOO_LONG.format(days=WINDOW.days))
    changes = await uow.tickets.state_changes(tuple(UPDATE_STATUS), since, until, PAGE_SIZE)
    shown = []
    for event, ticket in changes:
        if ticket.category not in BY_ID:
            continue
        unit = ticket.grid or (await uow.org.unit(ticket.unit_id) if ticket.unit_id else None)
        full = key is not None and _within(unit.path if unit else None, key.unit_path)
        if not full and _sensitive(ticket):
            continue
        shown.append(
            {
                "update_id": str(event.id),
                "service_request_id": ticket.code,
                "status": UPDATE_STATUS[event.action],
                "updated_datetime": w3c(event.at),
                "description": texts.STATE_NAMES[UPDATE_STATE[event.action]],
                "media_url": None,
            }
        )
    return shown

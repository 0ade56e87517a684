"""Open311 GeoReport v2 read models: the eight duties as services, tickets as service
requests. An unkeyed read is public data: no address, the point rounded to about 100 m,
typed numbers masked, and nothing about vulnerable people or emergencies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from handlers import texts
from handlers.masking import mask_text
from nlu.categories import BY_ID, CATEGORIES, Category
from storage.models import Ticket
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


def status_of(ticket: Ticket) -> str:
    return "closed" if ticket.state in CLOSED_STATES else "open"


async def find_requests(uow: UnitOfWork, query: Query, *, public: bool) -> list[dict]:
    tickets = await uow.tickets.published(
        codes=query.codes,
        categories=query.categories,
        since=query.since,
        until=query.until,
        states=query.states,
        public=public,
        offset=(query.page - 1) * query.page_size,
        limit=query.page_size,
    )
    tickets = [t for t in tickets if t.category in BY_ID]
    media = await uow.tickets.media_urls([t.id for t in tickets]) if tickets else {}
    return [await _request(uow, t, media.get(t.id), public) for t in tickets]


async def find_request(uow: UnitOfWork, code: str, *, public: bool) -> dict | None:
    found = await find_requests(uow, Query(codes=[code]), public=public)
    return found[0] if found else None


async def _request(uow: UnitOfWork, ticket: Ticket, media: str | None, public: bool) -> dict:
    unit = ticket.grid or (await uow.org.unit(ticket.unit_id) if ticket.unit_id else None)
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
        "agency_responsible": unit.path if unit else None,
        "service_notice": None,
        "requested_datetime": w3c(ticket.created_at),
        "updated_datetime": w3c(ticket.updated_at),
        "expected_datetime": w3c(expected),
        "address": None if public else ticket.place,
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": media,
    }

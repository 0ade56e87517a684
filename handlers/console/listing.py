"""The console's ticket list and a ticket's page: the staff member's scope exactly as in chat,
every number a resident or staff member typed masked, every look audited."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from handlers import texts
from handlers.calendar import SHANGHAI
from handlers.chat.verbs import Command, normalize_code
from handlers.console.actions import Offer, offered
from handlers.errors import NotYourTicket, TicketNotFound
from handlers.masking import mask_text
from handlers.registry.lookup import audit
from handlers.scope import DESK, ticket_for
from handlers.tickets.lifecycle import is_overdue
from handlers.tickets.routing import CODE_PREFIX
from handlers.tickets.views import actor_name, local
from nlu.categories import CATEGORY_IDS, category_name
from storage.models import Attachment, Staff, Ticket
from storage.repos.console import Scope, Wanted
from storage.uow import UnitOfWork

PAGE_SIZE = 50  # unless `page_size` asks for another, from 10 to MAX_PAGE_SIZE
MAX_PAGE_SIZE = 200
MAX_PAGE = 10_000  # a larger page number is read as this one
COUNT_CAP = 10_000  # counts stop here ("10,000+"): an exact count reads every matching row,
# which over a million tickets takes seconds; paging goes as far (200 pages), filters further
UNIT_LENGTH = 400  # as OrgUnit.path
WORDS_LENGTH = 50
MAX_CODES = 100  # a 苗头's tickets, linked from the dashboard
CODE = re.compile(r"[0-9A-Z-]{1,16}")


@dataclass(frozen=True)
class Asked:
    wanted: Wanted
    page: int = 1
    page_size: int = PAGE_SIZE
    since: date | None = None  # the date range as asked (Beijing dates), for the form
    until: date | None = None
    sort: str = "newest"  # one of texts.SORT_NAMES

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Asked:
        """Unknown states or categories and malformed dates are ignored, page numbers kept
        within 1..MAX_PAGE; any text is only ever a bound value, never SQL."""
        state = query.get("state", "")
        category = query.get("category", "")
        since, until = _day(query.get("since", "")), _day(query.get("until", ""))
        wanted = Wanted(
            state=state if state in texts.STATE_NAMES else None,
            category=category if category in CATEGORY_IDS else None,
            overdue=query.get("overdue") == "1",
            urgent=query.get("urgent") == "1",
            unit=_text(query.get("unit", ""), UNIT_LENGTH),
            must_attend=query.get("must_attend") == "1",
            since=_start_of(since),
            until=_start_of(until + timedelta(days=1)) if until else None,
            words=_text(query.get("q", ""), WORDS_LENGTH),
            codes=_codes(query.get("codes", "")),
            code_start=_code_start(query.get("q", "")),
        )
        page = _number(query.get("page", ""), 1, MAX_PAGE, 1)
        size = _number(query.get("page_size", ""), 10, MAX_PAGE_SIZE, PAGE_SIZE)
        sort = query.get("sort", "")
        return cls(
            wanted, page, size, since, until, sort if sort in texts.SORT_NAMES else "newest"
        )

    def as_query(self) -> dict[str, str]:
        """The filters as query parameters (the page aside), for links and the audit."""
        w = self.wanted
        given = {
            "state": w.state or "",
            "category": w.category or "",
            "overdue": "1" if w.overdue else "",
            "urgent": "1" if w.urgent else "",
            "unit": w.unit or "",
            "must_attend": "1" if w.must_attend else "",
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "q": w.words or "",
            "codes": ",".join(w.codes),
            "page_size": str(self.page_size) if self.page_size != PAGE_SIZE else "",
            "sort": self.sort if self.sort != "newest" else "",
        }
        return {key: value for key, value in given.items() if value}


def _number(given: str, least: int, most: int, otherwise: int) -> int:
    """A whole number within least..most; anything else (a sign, ², 1e9) is `otherwise`."""
    digits = given.strip()[:9]
    return min(max(int(digits), least), most) if digits.isdecimal() else otherwise


def _code_start(given: str) -> str | None:
    """What a code typed in the search box starts with (upper case, GB- whether typed or
    not); None for words no code starts with, such as a grid's name."""
    typed = "".join((_text(given, WORDS_LENGTH) or "").split()).upper()
    body = typed.removeprefix(CODE_PREFIX)
    if not body or not (body.isascii() and body.isalnum()):
        return None  # a bare GB- begins every code: no range worth reading
    return CODE_PREFIX + body


def _codes(given: str) -> tuple[str, ...]:
    """Ticket codes separated by commas; what is not code-like is dropped."""
    codes = (normalize_code(word.strip()) for word in given.split(",")[:MAX_CODES])
    return tuple(dict.fromkeys(code for code in codes if CODE.fullmatch(code)))


def _text(given: str, longest: int) -> str | None:
    """Spaces folded; control characters and lone surrogates, which no name or code holds
    (and PostgreSQL refuses in text), left out."""
    kept = "".join(c for c in given if unicodedata.category(c) not in ("Cc", "Cs"))
    return " ".join(kept.split())[:longest] or None


def _day(given: str) -> date | None:
    try:
        return date.fromisoformat(given.strip()[:10])
    except ValueError:
        return None


def _start_of(day: date | None) -> datetime | None:
    """Midnight of the Beijing date."""
    return datetime.combine(day, time(), tzinfo=SHANGHAI) if day else None


@dataclass(frozen=True)
class Row:
    code: str
    category: str
    state: str
    urgent: bool
    overdue: bool
    level: int
    grid: str
    handler: str
    created: datetime
    deadline: datetime | None
    text: str  # masked


@dataclass(frozen=True)
class Listing:
    rows: list[Row]
    total: int  # counted up to COUNT_CAP + 1
    page: int
    pages: int
    by_state: list[tuple[str, str]]  # each count as shown
    overdue: str
    units: list[str]  # the unit filter's choices: the scope's units

    @property
    def shown_total(self) -> str:
        return shown(self.total)

    @property
    def capped(self) -> bool:
        """More match than paging reaches."""
        return self.total > COUNT_CAP


def shown(count: int) -> str:
    """A count as the page shows it: 9,999, or 10,000+ where counting stopped."""
    return f"{COUNT_CAP:,}+" if count > COUNT_CAP else f"{count:,}"


async def scope_of(uow: UnitOfWork, staff: Staff) -> Scope:
    unit = await uow.org.unit(staff.unit_id)
    return Scope(unit.path, staff.id, unplaced=staff.has_role(DESK))


async def list_tickets(uow: UnitOfWork, staff: Staff, asked: Asked, now: datetime) -> Listing:
    """The page asked for (within the pages that the capped count reaches) and the counts on
    top, each counted no further than COUNT_CAP."""
    scope, most = await scope_of(uow, staff), COUNT_CAP + 1
    total = await uow.console.count_upto(scope, asked.wanted, now, most)
    size = asked.page_size
    pages = max(1, -(-min(total, COUNT_CAP) // size))
    page = min(asked.page, pages)
    start = (page - 1) * size
    found = await uow.console.tickets(scope, asked.wanted, now, start, size, asked.sort)
    counts = await uow.console.by_state_upto(scope, list(texts.STATE_NAMES), now, most)
    late = await uow.console.count_upto(scope, Wanted(overdue=True), now, most)
    by_state = [(name, shown(counts[state])) for state, name in texts.STATE_NAMES.items()]
    units = await uow.console.units_under(scope.unit_path)
    rows = [row_of(t, now) for t in found]
    return Listing(rows, total, page, pages, by_state, shown(late), units)


def row_of(ticket: Ticket, now: datetime) -> Row:
    return Row(
        code=ticket.code,
        category=category_name(ticket.category),
        state=texts.STATE_NAMES.get(ticket.state, ticket.state),
        urgent=ticket.urgent,
        overdue=is_overdue(ticket, now),
        level=ticket.level,
        grid=ticket.grid.path if ticket.grid else "",
        handler=ticket.assignee.name if ticket.assignee else texts.NOBODY_YET,
        created=ticket.created_at,
        deadline=ticket.deadline_at,
        text=mask_text(ticket.text),
    )


@dataclass(frozen=True)
class Step:
    at: str
    actor: str
    action: str
    note: str


@dataclass(frozen=True)
class Choice:
    """Someone to suggest for 指派 or 转派."""

    userid: str
    label: str


@dataclass(frozen=True)
class Media:
    """A photo, voice message, video or link on the ticket; photos are shown through
    /console/tickets/<code>/photos/<id>, which fetches them from WeChat for the viewer."""

    id: int
    kind: str  # as texts.ATTACHMENT_KINDS
    at: str
    title: str  # a link's title, masked; else ""


@dataclass(frozen=True)
class Linked:
    """Another household that reported the same problem: when, and in its words, masked."""

    at: str
    text: str


@dataclass(frozen=True)
class Detail:
    row: Row
    place: str
    overdue_since: str
    trail: list[Step]
    actions: list[Offer]
    choices: list[Choice]
    location: tuple[float, float] | None = None  # (lat, lon) as the resident sent it
    photos: list[Media] = field(default_factory=list)
    media: list[Media] = field(default_factory=list)  # voice, video, links
    linked: list[Linked] = field(default_factory=list)


async def ticket_page(uow: UnitOfWork, staff: Staff, code: str, now: datetime) -> Detail:
    """One ticket in the staff member's scope (else TicketNotFound, audited as refused)."""
    code = normalize_code(code[:20])
    purpose = f"console: 工单 {code}"
    try:
        ticket = await ticket_for(uow, staff, Command(verb="show", code=code), "工单")
    except (TicketNotFound, NotYourTicket):
        audit(uow, staff, "view_ticket", code, purpose, now, "refused")
        raise TicketNotFound(texts.CONSOLE_NOT_FOUND) from None
    audit(uow, staff, "view_ticket", ticket.code, purpose, now)
    place = " ".join(filter(None, (ticket.grid.path if ticket.grid else "", ticket.place)))
    since = local(ticket.overdue_since) if ticket.overdue_since else ""
    actions = await offered(uow, staff, ticket)
    choices = await _choices(uow, staff, ticket) if actions else []
    trail = await _trail(uow, ticket)
    attached = [_media(a) for a in await uow.tickets.attachments(ticket.id)]
    return Detail(
        row_of(ticket, now),
        mask_text(place),
        since,
        trail,
        actions,
        choices,
        location=(ticket.lat, ticket.lon) if ticket.lat is not None else None,
        photos=[m for m in attached if m.kind == "image"],
        media=[m for m in attached if m.kind != "image"],
        linked=[
            Linked(local(r.created_at), mask_text(r.text))
            for r in await uow.tickets.linked(ticket.id)
        ],
    )


def _media(attachment: Attachment) -> Media:
    return Media(
        attachment.id,
        attachment.kind,
        local(attachment.created_at),
        mask_text(attachment.title or ""),
    )


async def photo_of(uow: UnitOfWork, staff: Staff, code: str, photo_id: int, now: datetime) -> str:
    """The media_id of a photo on a ticket in the staff member's scope, audited; else
    TicketNotFound (a ticket out of scope, or a photo not on it)."""
    detail_code = normalize_code(code[:20])
    try:
        ticket = await ticket_for(uow, staff, Command(verb="show", code=detail_code), "工单")
    except (TicketNotFound, NotYourTicket):
        audit(
            uow,
            staff,
            "view_photo",
            detail_code,
            f"console: 工单 {detail_code} 照片",
            now,
            "refused",
        )
        raise TicketNotFound(texts.CONSOLE_NOT_FOUND) from None
    found = [a for a in await uow.tickets.attachments(ticket.id) if a.id == photo_id]
    if not found or found[0].kind != "image" or not found[0].media_id:
        raise TicketNotFound(texts.CONSOLE_NOT_FOUND)
    audit(uow, staff, "view_photo", ticket.code, f"console: 工单 {ticket.code} 照片", now)
    return found[0].media_id


async def _choices(uow: UnitOfWork, staff: Staff, ticket: Ticket) -> list[Choice]:
    """Staff on duty in the ticket's village or community (for a ticket not placed yet, in
    the viewer's unit): suggestions only; the chat's rule decides who may take it."""
    where = ticket.grid.path.rsplit("/", 1)[0] if ticket.grid else None
    if where is None:
        where = (await uow.org.unit(staff.unit_id)).path
    return [
        Choice(person.userid, f"{person.name}（{texts.roles_named(person.roles)}）")
        for person in await uow.console.staff_under(where)
    ]


async def _trail(uow: UnitOfWork, ticket: Ticket) -> list[Step]:
    return [
        Step(
            at=local(event.at),
            actor=actor_name(event.actor),
            action=texts.TRAIL_ACTIONS.get(event.action, event.action),
            note=mask_text(event.note or ""),
        )
        for event in await uow.tickets.trail(ticket.id)
    ]

"""五必访: each tag has a cadence, a change of members or tenants makes a visit due within three
days; every Monday each worker gets the week's plan; `走访 户号 情况` records a visit and
`走访记录 [户号]` lists the latest. Due dates compare by day: a visit due today is not late."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers import texts
from handlers.calendar import Rhythm, local
from handlers.chat.verbs import Command
from handlers.errors import BadCommand, NotYourTicket
from handlers.inbound import Inbound
from handlers.masking import mask_text
from handlers.ports import Ports
from handlers.registry.lookup import audit, mask_name, registry_key
from handlers.scope import covers_grid
from handlers.tickets.notify import chunks
from storage.crypto import DataKey
from storage.households import CARE_TAGS
from storage.models import Household, Staff, Visit
from storage.outbox import Message
from storage.uow import UnitOfWork

WEEK = timedelta(days=7)
HISTORY = 10  # visits listed by `走访记录`


@dataclass(frozen=True)
class Due:
    household: Household
    due_at: datetime
    tags: list[str]


def tags_of(household: Household, key: DataKey) -> list[str]:
    secret = key.decrypt(household.sensitive_tags, "households.sensitive_tags") or ""
    return [t for t in (household.tags or "").split(";") + secret.split(";") if t]


async def due_visits(
    uow: UnitOfWork, grid_ids: list[int], rhythm: Rhythm, key: DataKey, until: datetime
) -> list[Due]:
    """Households whose next visit falls before `until`, soonest first."""
    last = await uow.rhythm.last_visits()
    due = []
    for household in await uow.rhythm.households_in(grid_ids):
        tags = tags_of(household, key)
        when = next_visit(household, tags, last.get(household.id), rhythm)
        if when is not None and when < until:
            due.append(Due(household, when, tags))
    return sorted(due, key=lambda d: d.due_at)


def next_visit(
    household: Household, tags: list[str], last: datetime | None, rhythm: Rhythm
) -> datetime | None:
    """Never visited: due at once; else the shortest cadence of its tags after the last visit;
    a change of members or tenants may bring it forward."""
    cadences = [rhythm.cadence[t] for t in tags if t in rhythm.cadence]
    by_cadence = None
    if cadences:
        by_cadence = last + min(cadences) if last else household.created_at
    candidates = [d for d in (by_cadence, household.visit_due_by) if d is not None]
    return min(candidates) if candidates else None


async def send_plans(uow: UnitOfWork, now: datetime, rhythm: Rhythm, key: DataKey) -> int:
    """Monday's plan to every grid worker: the week's due and overdue visits, names masked."""
    week = local(now).strftime("%G-W%V")
    rows, workers = [], await uow.people.grid_workers()
    for worker in workers:
        due = await due_visits(uow, [worker.unit_id], rhythm, key, now + WEEK)
        rows += [
            Message(
                channel="work",
                recipient=worker.userid,
                text=part,
                unit_id=worker.unit_id,
                dedup_key=f"visit-plan:{worker.userid}:{week}:{n}",
            )
            for n, part in enumerate(chunks(plan_lines(worker, due, now, key)))
        ]
    await uow.outbox.put(rows, now)
    return len(workers)


def plan_lines(worker: Staff, due: list[Due], now: datetime, key: DataKey) -> list[str]:
    """Every due household, one line each (the sender splits them into messages)."""
    if not due:
        return [texts.VISIT_PLAN_EMPTY.format(name=worker.name)]
    lines = [texts.VISIT_PLAN_HEADER.format(name=worker.name, count=len(due))]
    for item in due:
        h = item.household
        when = due_label(item.due_at, now)
        shown = "、".join(t for t in item.tags if t in CARE_TAGS)  # never a key-population tag
        reason = shown or (texts.VISIT_KEY_PERSON if item.tags else texts.VISIT_CHANGED)
        lines.append(
            texts.VISIT_PLAN_LINE.format(
                code=h.code,
                head=mask_name(key.decrypt(h.head_name, "households.head_name")),
                address=h.address,
                tags=reason,
                when=when,
            )
        )
    return lines


def due_label(due_at: datetime, now: datetime) -> str:
    day, today = local(due_at).date(), local(now).date()
    if day < today:
        return texts.VISIT_OVERDUE
    if day == today:
        return texts.VISIT_DUE_TODAY
    return texts.VISIT_DUE_ON.format(date=local(due_at).strftime("%m-%d"))


def start_of_day(now: datetime) -> datetime:
    """Local midnight: a visit due before it is overdue."""
    return local(now).replace(hour=0, minute=0, second=0, microsecond=0)


async def record_visit(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    household = await uow.rhythm.household_by_code(command.code)
    if household is None or not await covers_grid(uow, staff, household.grid_id):
        raise NotYourTicket(texts.HOUSEHOLD_NOT_VISIBLE.format(code=command.code))
    if not command.rest:
        raise BadCommand(texts.VISIT_NEEDS_NOTE)
    now, key = ports.clock.now(), registry_key(ports)
    uow.add(
        Visit(
            household_id=household.id,
            staff_id=staff.id,
            at=now,
            note=key.encrypt(command.rest, "visits.note"),
        )
    )
    household.visit_due_by = None
    audit(uow, staff, "visit", household.code, "chat: 走访", now)
    following = next_visit(household, tags_of(household, key), now, ports.rhythm)
    return texts.VISIT_RECORDED.format(
        code=household.code, next=local(following).strftime("%m-%d") if following else "按需"
    )


async def attach_to_visit(uow: UnitOfWork, staff: Staff, msg: Inbound, ports: Ports) -> str | None:
    """A photo or location within the window after 走访 joins that visit."""
    visit = await uow.rhythm.last_visit_by(staff.id)
    now = ports.clock.now()
    if visit is None or now - visit.at > ports.policy.photo_window:
        return None
    if msg.kind == "image":
        visit.media_id = msg.media_id
    elif msg.lat is not None:
        visit.lat, visit.lon = msg.lat, msg.lon
    household = await uow.rhythm.household(visit.household_id)
    return texts.VISIT_MEDIA_KEPT.format(code=household.code)


async def visit_history(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    """`走访记录`: the staff member's latest visits; `走访记录 户号`: that household's, if in
    their area. Every look is audited."""
    now, key = ports.clock.now(), registry_key(ports)
    if command.code:
        household = await uow.rhythm.household_by_code(command.code)
        if household is None or not await covers_grid(uow, staff, household.grid_id):
            raise NotYourTicket(texts.HOUSEHOLD_NOT_VISIBLE.format(code=command.code))
        found = await uow.rhythm.visits_of_household(household.id, HISTORY)
        header = texts.VISIT_HISTORY_OF.format(code=household.code, count=len(found))
    else:
        found = await uow.rhythm.visits_of_staff(staff.id, HISTORY)
        header = texts.VISIT_HISTORY_MINE.format(count=len(found))
    audit(uow, staff, "visit_history", command.code, "chat: 走访记录", now)
    if not found:
        return texts.VISIT_HISTORY_EMPTY
    lines = [
        texts.VISIT_HISTORY_LINE.format(
            at=local(visit.at).strftime("%m-%d %H:%M"),
            code=code,
            name=name,
            note=mask_text(key.decrypt(visit.note, "visits.note") or ""),
        )
        for visit, name, code in found
    ]
    return "\n".join([header, *lines])

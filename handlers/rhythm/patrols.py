"""一日双巡: reminders at the patrol times, 开始巡查 / 巡查结束, a finding becomes a ticket,
a patrol not finished by its due time is missed, 巡查记录 shows the last seven days."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers import texts
from handlers.calendar import Rhythm, local
from handlers.chat.verbs import Command
from handlers.inbound import Inbound
from handlers.ports import Ports
from handlers.tickets.routing import open_ticket, route
from nlu.categories import category_name
from nlu.classifier import classify
from storage.models import Patrol, Staff, Ticket
from storage.outbox import Message
from storage.uow import UnitOfWork

NOTHING_FOUND = ("无异常", "正常", "没有异常", "无", "一切正常")


def day_of(moment: datetime) -> str:
    return local(moment).date().isoformat()


def current_slot(rhythm: Rhythm, now: datetime) -> int:
    here = local(now).time()
    started = [i for i, at in enumerate(rhythm.patrol_times) if at <= here]
    return started[-1] if started else 0


async def remind(uow: UnitOfWork, now: datetime, slot: int) -> int:
    """The patrol reminder to every grid worker, once per (worker, day, slot)."""
    day = day_of(now)
    workers = await uow.people.grid_workers()
    await uow.outbox.put(
        [
            Message(
                channel="work",
                recipient=w.userid,
                text=texts.PATROL_REMINDER.format(name=w.name),
                dedup_key=f"patrol-remind:{w.userid}:{day}:{slot}",
                unit_id=w.unit_id,
            )
            for w in workers
        ],
        now,
    )
    return len(workers)


async def close_due(uow: UnitOfWork, now: datetime, slot: int) -> int:
    """At the due time: every patrol of this slot not finished is missed, and its worker
    reminded once."""
    day = day_of(now)
    workers = await uow.people.grid_workers()
    patrols = await uow.rhythm.patrols_of_slot(day, slot)
    missed = [w for w in workers if getattr(patrols.get(w.id), "state", None) != "done"]
    for worker in missed:
        patrol = patrols.get(worker.id) or Patrol(staff_id=worker.id, day=day, slot=slot, track=[])
        patrol.state = "missed"
        uow.add(patrol)
    await uow.outbox.put(
        [
            Message(
                channel="work",
                recipient=w.userid,
                text=texts.PATROL_MISSED,
                dedup_key=f"patrol-missed:{w.userid}:{day}:{slot}",
                unit_id=w.unit_id,
            )
            for w in missed
        ],
        now,
    )
    return len(missed)


async def start(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    now, rhythm = ports.clock.now(), ports.rhythm
    slot, day = current_slot(rhythm, now), day_of(now)
    patrol = await uow.rhythm.patrol(staff.id, day, slot)
    if patrol and patrol.state in ("started", "done"):
        return texts.PATROL_ALREADY.format(state=texts.PATROL_STATES[patrol.state])
    patrol = patrol or Patrol(staff_id=staff.id, day=day, slot=slot, track=[])
    patrol.state, patrol.started_at = "started", now
    uow.add(patrol)
    return texts.PATROL_STARTED


async def finish(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    patrol = await active(uow, staff)
    late = patrol is None and await _missed_now(uow, staff, ports)
    if patrol is None and not late:
        return texts.PATROL_NOT_STARTED
    finding = command.rest.strip()
    if patrol is not None:
        patrol.state, patrol.ended_at = "done", ports.clock.now()
    patrol = patrol or late  # a late finish stays counted as missed
    if not finding or finding in NOTHING_FOUND:
        return texts.PATROL_LATE if late else texts.PATROL_DONE
    patrol.finding = finding
    ticket = await _ticket_from(uow, staff, patrol, finding, ports)
    patrol.ticket_id = ticket.id
    done = texts.PATROL_LATE_WITH_TICKET if late else texts.PATROL_DONE_WITH_TICKET
    return done.format(code=ticket.code, category=category_name(ticket.category))


async def _ticket_from(
    uow: UnitOfWork, staff: Staff, patrol: Patrol, finding: str, ports: Ports
) -> Ticket:
    """A finding is classified and routed like any report, with the patrol as its source."""
    now = ports.clock.now()
    prediction = await classify(ports.classifier, finding)
    category = prediction.category or (prediction.alternatives or ("public_security",))[0]
    lat, lon = patrol.track[-1][:2] if patrol.track else (None, None)
    ticket = await open_ticket(
        uow,
        now,
        f"staff:{staff.userid}",
        note="巡查发现",
        source="patrol",
        category=category,
        text=finding,
        urgent=prediction.urgent,
        must_attend=prediction.must_attend,
        grid_id=staff.unit_id,
        lat=lat,
        lon=lon,
    )
    await route(uow, ticket, now, ports.policy)
    return ticket


async def _missed_now(uow: UnitOfWork, staff: Staff, ports: Ports) -> Patrol | None:
    """A patrol of this slot already counted as missed can still be closed, late, so that
    what the worker found is not lost."""
    now = ports.clock.now()
    return await uow.rhythm.missed_patrol(staff.id, day_of(now), current_slot(ports.rhythm, now))


async def active(uow: UnitOfWork, staff: Staff) -> Patrol | None:
    return await uow.rhythm.active_patrol(staff.id)


async def keep_track(uow: UnitOfWork, staff: Staff, msg: Inbound, ports: Ports) -> str | None:
    """A location sent during a patrol is a point of its track."""
    patrol = await active(uow, staff)
    if patrol is None or msg.lat is None:
        return None
    patrol.track = [*patrol.track, [msg.lat, msg.lon, ports.clock.now().isoformat()]]
    return texts.PATROL_TRACKED.format(count=len(patrol.track))


async def history(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    today = local(ports.clock.now()).date()
    days = [(today - timedelta(days=n)).isoformat() for n in range(7)]
    patrols = await uow.rhythm.patrols_on_days(staff.id, days)
    lines = [texts.PATROL_HISTORY_HEADER]
    for day in days:
        marks = [
            texts.PATROL_STATES.get(
                getattr(patrols.get((day, slot)), "state", None), texts.PATROL_STATES[None]
            )
            for slot in range(len(ports.rhythm.patrol_times))
        ]
        lines.append(f"· {day[5:]}：" + " / ".join(marks))
    return "\n".join(lines)

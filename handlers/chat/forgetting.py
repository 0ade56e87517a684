"""`删除我的信息`: after a confirmation by number (prompt kind "forget"), the resident's open
tickets are withdrawn and the resident is forgotten as `gridbot resident forget` does; the
supervisor nearest their grid hears of it, with nothing personal in the notice."""

from __future__ import annotations

from datetime import datetime

from handlers import prompts, texts
from handlers.inbound import Inbound
from handlers.ports import Ports
from handlers.registry import keys
from handlers.tickets.updates import withdraw_all_quietly
from storage.models import Resident
from storage.outbox import Message
from storage.uow import UnitOfWork

ACTOR = "resident:self-service"  # in the audit log, where the CLI writes its operator
TRIM = " 。.!！~～,，"


async def answer_forget(
    uow: UnitOfWork, resident: Resident, prompt: prompts.Prompt, msg: Inbound, ports: Ports
) -> str | None:
    """1: open tickets are withdrawn, then the resident is forgotten as `gridbot resident
    forget` forgets them, and the supervisor is told; 2 (or 取消): nothing changes."""
    answer = 2 if msg.text.strip(TRIM) == "取消" else prompts.yes_or_no(msg.text)
    if answer is None:
        return None
    prompts.close(resident)  # the row goes, and with it the question
    if answer == 2:
        return texts.FORGET_CANCELLED
    now = ports.clock.now()
    tickets = await uow.tickets.open_of_resident(resident.id)
    notices = await withdraw_all_quietly(uow, tickets, now, ports.policy)
    resident_id, grid_id = resident.id, resident.grid_id
    await keys.forget(uow, resident.openid, ACTOR, now)
    await uow.outbox.put(notices, now)
    await _tell_supervisors(uow, resident_id, grid_id, [t.code for t in tickets], now)
    withdrawn = texts.FORGOTTEN_WITHDRAWN.format(count=len(tickets)) if tickets else ""
    return texts.FORGOTTEN.format(withdrawn=withdrawn)


async def _tell_supervisors(
    uow: UnitOfWork, resident_id: int, grid_id: int | None, codes: list[str], now: datetime
) -> None:
    """The nearest supervisors up from the resident's grid (the county's, when unplaced)."""
    unit, supervisors = None, []
    for unit in (await uow.org.chain(grid_id)) if grid_id else []:
        supervisors = await uow.people.supervisors([unit.id])
        if supervisors:
            break
    if not supervisors:
        unit, supervisors = None, await uow.people.supervisors_at_level("county")
    listed = "（" + "、".join(codes) + "）" if codes else ""
    text = texts.FORGOTTEN_NOTICE.format(
        unit=unit.name if unit else "", count=len(codes), codes=listed
    )
    messages = [
        Message(
            channel="work",
            recipient=person.userid,
            text=text,
            dedup_key=f"forgotten:{resident_id}:{person.userid}",
            unit_id=unit.id if unit else None,
        )
        for person in supervisors
    ]
    await uow.outbox.put(messages, now)

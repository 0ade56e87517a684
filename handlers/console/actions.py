"""A supervisor's actions from a ticket's page — 指派, 督办, 转派, 上报 — through the very use
cases the chat commands call (one use case, two edges): the same rules, the same WeCom
notices through the outbox, the same trail; each attempt also audited as the console's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers import texts
from handlers.chat import desk, supervise
from handlers.chat.verbs import Command, normalize_code
from handlers.errors import DomainError, NotYourTicket, TicketNotFound
from handlers.ports import Ports
from handlers.registry.lookup import audit
from handlers.scope import SUPERVISING, may, ticket_for
from storage.models import Staff, Ticket
from storage.uow import UnitOfWork

WHO_LENGTH = 64  # a userid or a name
NOTE_LENGTH = 500


@dataclass(frozen=True)
class Action:
    verb: str  # the chat command's word
    use: Callable[[UnitOfWork, Staff, Command, Ports], Awaitable[str]]  # the chat command's
    needs: str  # the form's field: "who" (a userid or name) or "note" (the reason)


ACTIONS = {
    "assign": Action("指派", supervise.assign, "who"),
    "urge": Action("督办", supervise.urge, "note"),
    "transfer": Action("转派", desk.transfer, "who"),
    "escalate": Action("上报", desk.escalate_up, "note"),
}


@dataclass(frozen=True)
class Offer:
    """An action the ticket's page offers its viewer, as a form."""

    action: str
    verb: str
    needs: str


@dataclass(frozen=True)
class Outcome:
    code: str
    text: str  # the chat's reply: what was done, or why not
    done: bool


async def offered(uow: UnitOfWork, staff: Staff, ticket: Ticket) -> list[Offer]:
    """The actions the chat would let this staff member take on the ticket (its state
    aside: a refusal for the state comes back as chat words it)."""
    found = []
    for action, spec in ACTIONS.items():
        if await _allowed(uow, staff, ticket, action):
            found.append(Offer(action, spec.verb, spec.needs))
    return found


async def _allowed(uow: UnitOfWork, staff: Staff, ticket: Ticket, action: str) -> bool:
    if action == "urge":
        return staff.has_role(*SUPERVISING)
    return await may(uow, staff, ticket, action)


async def act(
    uow: UnitOfWork, staff: Staff, code: str, action: str, given: str, ports: Ports
) -> Outcome:
    """`action` (a key of ACTIONS) on the ticket `code` with the form's text `given`; a
    ticket the staff member cannot see is not found (audited as refused, as for viewing)."""
    spec = ACTIONS[action]
    code = normalize_code(code[:20])
    rest = " ".join(given.split())[: WHO_LENGTH if spec.needs == "who" else NOTE_LENGTH]
    now = ports.clock.now()
    purpose = _purpose(spec, code, rest)
    try:
        await ticket_for(uow, staff, Command(verb="show", code=code), spec.verb)
    except (TicketNotFound, NotYourTicket):
        audit(uow, staff, action, code, purpose, now, "refused")
        raise TicketNotFound(texts.CONSOLE_NOT_FOUND) from None
    try:
        reply = await spec.use(uow, staff, Command(verb=action, code=code, rest=rest), ports)
    except DomainError as refusal:
        audit(uow, staff, action, code, purpose, now, "refused")
        return Outcome(code, str(refusal), done=False)
    audit(uow, staff, action, code, purpose, now)
    return Outcome(code, reply, done=True)


def _purpose(spec: Action, code: str, rest: str) -> str:
    """Whom a ticket went to; a reason stays on the (sealed) trail, not in the audit log."""
    target = f" {rest}" if spec.needs == "who" and rest else ""
    return f"console: {spec.verb} {code}{target}"

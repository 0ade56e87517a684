"""The ticket state machine, in one place: every change goes through `transition`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers import texts
from handlers.errors import TransitionRefused
from storage.models import Ticket, TicketEvent


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str


TRANSITIONS = {
    "assign": Transition(("new",), "assigned"),
    "accept": Transition(("assigned",), "accepted"),
    "resolve": Transition(("accepted", "on_site"), "resolved"),
}


def transition(
    ticket: Ticket, action: str, *, actor: str, now: datetime, note: str | None = None
) -> TicketEvent:
    rule = TRANSITIONS[action]
    if ticket.state not in rule.sources:
        raise TransitionRefused(
            texts.REFUSED.format(
                code=ticket.code,
                state=texts.STATE_NAMES.get(ticket.state, ticket.state),
                action=texts.ACTION_NAMES.get(action, action),
            )
        )
    ticket.state = rule.target
    ticket.updated_at = now
    return record(ticket, action, actor=actor, now=now, note=note)


def record(
    ticket: Ticket, action: str, *, actor: str, now: datetime, note: str | None = None
) -> TicketEvent:
    return TicketEvent(ticket_id=ticket.id, at=now, actor=actor, action=action, note=note)

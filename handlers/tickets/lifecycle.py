"""The ticket state machine, in one place: every change goes through `transition`, which also
sets the next deadline the ticket must meet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers import texts
from handlers.errors import TransitionRefused
from handlers.policy import Policy
from storage.models import Ticket, TicketEvent

OPEN = ("new", "assigned", "accepted", "on_site")
WORKING = ("assigned", "accepted", "on_site")


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str | None  # None: the state stays as it is


TRANSITIONS = {
    "assign": Transition(("new", *WORKING), "assigned"),
    "accept": Transition(("assigned",), "accepted"),
    "arrive": Transition(("accepted",), "on_site"),
    "resolve": Transition(("accepted", "on_site"), "resolved"),
    "transfer": Transition(WORKING, "assigned"),
    "return": Transition(WORKING, "assigned"),
    "escalate": Transition(OPEN, None),
    "urge": Transition(OPEN, None),
    "reopen": Transition(("resolved", "closed"), "assigned"),
    "close": Transition(("resolved",), "closed"),
    "withdraw": Transition(OPEN, "withdrawn"),  # by the resident: neither handled nor late
}


STAMPS = {
    "accept": "accepted_at",
    "arrive": "on_site_at",
    "resolve": "resolved_at",
    "close": "closed_at",
    "withdraw": "closed_at",
}


def transition(
    ticket: Ticket,
    action: str,
    *,
    actor: str,
    now: datetime,
    policy: Policy,
    note: str | None = None,
) -> TicketEvent:
    rule = TRANSITIONS[action]
    if ticket.state not in rule.sources:
        raise TransitionRefused(refusal(ticket, action))
    if action == "resolve" and ticket.must_attend and ticket.state != "on_site":
        raise TransitionRefused(texts.NEED_ON_SITE.format(code=ticket.code))
    stamp = STAMPS.get(action)
    if stamp:
        setattr(ticket, stamp, now)
    if rule.target:
        ticket.state = rule.target
        set_deadline(ticket, policy, now)
    ticket.updated_at = now
    return record(ticket, action, actor=actor, now=now, note=note)


def set_deadline(ticket: Ticket, policy: Policy, now: datetime) -> None:
    sla = policy.sla_for(ticket.category, ticket.urgent)
    started = ticket.accepted_at or now
    if ticket.state == "assigned":
        ticket.deadline_kind, ticket.deadline_at = "accept", now + sla.accept
    elif ticket.state == "accepted" and ticket.must_attend:
        ticket.deadline_kind, ticket.deadline_at = "on_site", now + sla.on_site
    elif ticket.state in ("accepted", "on_site"):
        ticket.deadline_kind, ticket.deadline_at = "resolve", started + sla.resolve
    elif ticket.state == "resolved":
        ticket.deadline_kind, ticket.deadline_at = "rate", now + policy.rating_wait
    else:
        ticket.deadline_kind, ticket.deadline_at = None, None
    if ticket.overdue_kind != ticket.deadline_kind:  # the late step is done (or left)
        ticket.overdue_since = ticket.overdue_kind = ticket.overdue_level = None


def mark_late(ticket: Ticket) -> None:
    """The deadline of the ticket's step has passed: the fact stays through escalation
    (which moves the deadline on) until the step is done."""
    if ticket.overdue_since is not None:
        return
    kind = ticket.deadline_kind
    ticket.overdue_since, ticket.overdue_kind = ticket.deadline_at, kind
    ticket.overdue_level = ticket.level
    ticket.late_kinds = sorted({*(ticket.late_kinds or ()), kind})


def late_since(ticket: Ticket, now: datetime) -> datetime | None:
    """When the ticket became late for the step it is at, if it is late now (waiting for a
    rating is not being late; a deadline the watch has not acted on yet is)."""
    if ticket.state not in OPEN:
        return None
    if ticket.overdue_since is not None:
        return ticket.overdue_since
    if ticket.deadline_at and ticket.deadline_kind != "rate" and ticket.deadline_at <= now:
        return ticket.deadline_at
    return None


def late_step(ticket: Ticket) -> str:
    """The deadline kind the ticket is late for."""
    return ticket.overdue_kind or ticket.deadline_kind


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    return late_since(ticket, now) is not None


RESIDENT_ACTIONS = frozenset({"withdraw", "update", "reopen", "close"})


def refusal(ticket: Ticket, action: str) -> str:
    """Why the state forbids `action`; to staff, with what to do next."""
    refused = texts.REFUSED.format(
        code=ticket.code,
        state=texts.STATE_NAMES.get(ticket.state, ticket.state),
        action=texts.ACTION_NAMES.get(action, action),
    )
    if action in RESIDENT_ACTIONS:
        return refused
    step = f"{ticket.state}_attend" if ticket.must_attend else ticket.state
    hint = texts.NEXT_STEPS.get(step) or texts.NEXT_STEPS.get(ticket.state, "")
    return refused + hint.format(code=ticket.code)


def record(
    ticket: Ticket, action: str, *, actor: str, now: datetime, note: str | None = None
) -> TicketEvent:
    return TicketEvent(ticket=ticket, at=now, actor=actor, action=action, note=note)

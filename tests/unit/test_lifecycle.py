"""The ticket state machine alone (handlers/tickets/lifecycle.py): which step is allowed from
which state, what a refusal says, and the deadline each state must meet. The same refusals,
typed by staff over HTTP, are in tests/e2e/test_case_desk.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.errors import TransitionRefused
from handlers.policy import Policy
from handlers.tickets.lifecycle import is_overdue, set_deadline, transition
from storage.models import Ticket

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
POLICY = Policy()
CODE = "GB-7K3PQ"


def ticket(state: str, *, must_attend: bool = False, urgent: bool = False) -> Ticket:
    made = Ticket(
        code=CODE,
        category="environment",
        text="小区门口垃圾堆了好几天没人清理，臭得很",
        state=state,
        urgent=urgent,
        must_attend=must_attend,
        level=0,
        created_at=NOW,
        updated_at=NOW,
        accepted_at=NOW if state in ("accepted", "on_site", "resolved") else None,
    )
    set_deadline(made, POLICY, NOW)
    return made


def step(made: Ticket, action: str, minutes: int = 0) -> None:
    transition(
        made, action, actor="liminghua", now=NOW + timedelta(minutes=minutes), policy=POLICY
    )


def refused(made: Ticket, action: str) -> str:
    with pytest.raises(TransitionRefused) as refusal:
        step(made, action, minutes=5)
    return str(refusal.value)


def test_ticket_goes_from_assigned_to_resolved_and_is_stamped_at_each_step():
    made = ticket("assigned")
    step(made, "accept", 10)
    step(made, "arrive", 40)
    event = transition(
        made, "resolve", actor="liminghua", now=NOW + timedelta(hours=2), policy=POLICY
    )
    assert made.state == "resolved"
    assert (made.accepted_at, made.on_site_at) == (
        NOW + timedelta(minutes=10),
        NOW + timedelta(minutes=40),
    )
    assert made.resolved_at == made.updated_at == NOW + timedelta(hours=2)
    assert (event.action, event.actor) == ("resolve", "liminghua")


def test_must_attend_dispute_cannot_be_resolved_before_arrival():
    made = ticket("accepted", must_attend=True)

    refusal = refused(made, "resolve")

    assert CODE in refusal and "六必到" in refusal and f"到场 {CODE}" in refusal
    assert (made.state, made.resolution, made.resolved_at) == ("accepted", None, None)

    step(made, "arrive", 10)
    step(made, "resolve", 20)
    assert made.state == "resolved"


def test_resolving_before_accepting_is_refused_naming_the_current_state():
    made = ticket("assigned")

    refusal = refused(made, "resolve")

    assert CODE in refusal and "待接单" in refusal and "不能办结" in refusal
    assert (made.state, made.resolution, made.updated_at) == ("assigned", None, NOW)


def test_accepting_twice_is_refused_and_the_resident_hears_once():
    """The lifecycle's part: the second 接单 is refused, so nothing is stamped or told again."""
    made = ticket("assigned")
    step(made, "accept")

    refusal = refused(made, "accept")

    assert CODE in refusal and "办理中" in refusal and "不能接单" in refusal
    assert (made.state, made.accepted_at) == ("accepted", NOW)


def test_arriving_at_a_resolved_ticket_is_refused_naming_the_current_state():
    made = ticket("resolved")

    refusal = refused(made, "arrive")

    assert "已办结" in refusal and "不能到场" in refusal
    assert made.on_site_at is None


def test_transferring_a_resolved_ticket_is_refused_and_keeps_its_handler():
    made = ticket("resolved")
    accepted_at = made.accepted_at

    refusal = refused(made, "transfer")

    assert "已办结" in refusal and "不能转派" in refusal
    assert (made.state, made.accepted_at) == ("resolved", accepted_at)


def test_escalating_a_resolved_ticket_is_refused_and_changes_nothing():
    made = ticket("resolved")

    refusal = refused(made, "escalate")

    assert "已办结" in refusal and "不能上报" in refusal
    assert (made.state, made.level) == ("resolved", 0)


@pytest.mark.parametrize("action", ["escalate", "urge"])
@pytest.mark.parametrize("state", ["assigned", "accepted", "on_site"])
def test_escalating_or_urging_an_open_ticket_keeps_its_state(action, state):
    made = ticket(state)
    step(made, action)
    assert made.state == state


def test_only_a_resolved_ticket_is_closed_and_a_closed_one_can_be_reopened():
    assert "不能关闭" in refused(ticket("accepted"), "close")
    made = ticket("resolved")
    step(made, "close")
    assert (made.state, made.closed_at) == ("closed", NOW)
    step(made, "reopen", 60)
    assert made.state == "assigned"


def test_overdue_lists_tickets_once_the_clock_passes_their_deadline():
    """An ordinary ticket waiting to be accepted is late after 30 minutes."""
    made = ticket("assigned")
    assert (made.deadline_kind, made.deadline_at) == ("accept", NOW + timedelta(minutes=30))
    assert not is_overdue(made, NOW + timedelta(minutes=29))
    assert is_overdue(made, NOW + timedelta(minutes=31))


def test_waiting_for_a_rating_is_not_being_late():
    made = ticket("resolved")
    assert made.deadline_kind == "rate" and made.deadline_at == NOW + timedelta(days=3)
    assert not is_overdue(made, NOW + timedelta(days=30))


@pytest.mark.parametrize(
    "state, must_attend, urgent, kind, within",
    [
        ("assigned", False, False, "accept", timedelta(minutes=30)),
        ("assigned", False, True, "accept", timedelta(minutes=10)),
        ("accepted", True, False, "on_site", timedelta(hours=2)),
        ("accepted", True, True, "on_site", timedelta(minutes=30)),
        ("accepted", False, False, "resolve", timedelta(days=3)),
        ("on_site", True, False, "resolve", timedelta(days=3)),
        ("accepted", False, True, "resolve", timedelta(days=1)),
        ("closed", False, False, None, None),
    ],
)
def test_each_state_has_the_deadline_its_time_limit_gives(
    state, must_attend, urgent, kind, within
):
    made = ticket(state, must_attend=must_attend, urgent=urgent)
    assert made.deadline_kind == kind
    assert made.deadline_at == (NOW + within if within else None)


def test_the_time_to_resolve_counts_from_acceptance_not_from_arrival():
    made = ticket("assigned", must_attend=True)
    step(made, "accept", 10)
    step(made, "arrive", 70)
    assert made.deadline_kind == "resolve"
    assert made.deadline_at == NOW + timedelta(minutes=10) + timedelta(days=3)

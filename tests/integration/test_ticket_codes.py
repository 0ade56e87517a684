"""New tickets: their codes checked free a batch at a time and kept by the process (none is
handed out that a ticket has, and none twice), their trail written in one statement."""

from __future__ import annotations

from sqlalchemy import select, update

from handlers.tickets.lifecycle import record
from handlers.tickets.routing import open_ticket
from storage.kept import SPARE_CODES
from storage.models import Ticket, TicketEvent
from storage.uow import UnitOfWork


async def test_a_drawn_code_a_ticket_has_is_never_handed_out(sessionmaker, clock):
    async with UnitOfWork.opened(sessionmaker) as uow:
        ticket = await open_ticket(
            uow, clock.now(), "resident", source="resident", category="traffic", text="路灯坏了"
        )
        await uow.commit()
    async with UnitOfWork.opened(sessionmaker) as uow:
        await uow.session.execute(
            update(Ticket).where(Ticket.id == ticket.id).values(code="GB-22222")
        )
        await uow.commit()
    sessionmaker.kw["info"][SPARE_CODES].clear()  # what the process kept is checked again
    draws = [["GB-22222", "GB-33333"], ["GB-22222", "GB-44444", "GB-55555"]]
    async with UnitOfWork.opened(sessionmaker) as uow:
        given = [await uow.tickets.spare_code(lambda: draws.pop(0)) for _ in range(3)]
    assert sorted(given) == ["GB-33333", "GB-44444", "GB-55555"]  # each once, never 22222
    assert draws == []  # a second batch was drawn only when the first ran out


async def test_sessions_of_one_process_share_the_checked_codes(sessionmaker):
    drawn = []

    def draw() -> list[str]:
        drawn.append(1)
        return [f"GB-7777{n}" for n in range(2, 6)]

    given = []
    for _ in range(4):
        async with UnitOfWork.opened(sessionmaker) as uow:
            given.append(await uow.tickets.spare_code(draw))
    assert len(set(given)) == 4
    assert len(drawn) == 1  # one query for the four


async def test_a_new_tickets_trail_is_written_in_one_statement_each_line_with_its_own_id(
    sessionmaker, clock
):
    async with UnitOfWork.opened(sessionmaker) as uow:
        ticket = await open_ticket(
            uow, clock.now(), "resident", source="resident", category="traffic", text="路灯坏了"
        )
        trail = [
            record(ticket, action, actor=f"staff_{action}", now=clock.now(), note=action)
            for action in ("assign", "accept", "note")
        ]
        uow.add(*trail)
        await uow.commit()
        held = {event.id: event.action for event in trail}
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                select(TicketEvent.id, TicketEvent.action, TicketEvent.actor, TicketEvent.note)
                .where(TicketEvent.ticket_id == ticket.id)
                .order_by(TicketEvent.id)
            )
        ).all()
    assert [row.action for row in rows] == ["create", "assign", "accept", "note"]
    assert all(row.actor == f"staff_{row.action}" for row in rows[1:])
    assert held == {row.id: row.action for row in rows[1:]}  # each line knows its own row

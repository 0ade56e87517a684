"""Ticket codes are checked free a batch at a time and kept by the process: none is handed out
that a ticket has, and none twice."""

from __future__ import annotations

from sqlalchemy import update

from handlers.tickets.routing import open_ticket
from storage.kept import SPARE_CODES
from storage.models import Ticket
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

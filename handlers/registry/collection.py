"""基础信息采集: a report of a birth, death, move or new tenant proposes a registry change."""

from __future__ import annotations

import re

from storage.models import ChangeRequest, Ticket
from storage.uow import UnitOfWork

KINDS = (
    ("death", r"去世|过世|走了|死亡|病故|没了|老了"),
    ("birth", r"出生|生了|新生儿|添了|坐月子|生孩子|生娃|双胞胎"),
    ("move_out", r"搬走|迁出|搬出|迁走|嫁到|注销"),
    ("tenant", r"租客|租户|出租|租给|合租|房客"),
    ("move_in", r"搬来|迁入|搬进|新来|住进|落户|迁回|回来长住"),
)
PATTERNS = [(kind, re.compile(words)) for kind, words in KINDS]


def change_kind(text: str) -> str:
    return next((kind for kind, pattern in PATTERNS if pattern.search(text)), "other")


async def propose_change(uow: UnitOfWork, ticket: Ticket) -> None:
    """A 基础信息采集 ticket proposes one registry change, confirmed later by its worker."""
    if ticket.category != "info_collection":
        return
    # a ticket written before may have proposed one already
    if ticket.id is not None and await uow.registry.has_change_request(ticket.id):
        return
    uow.add(ChangeRequest(ticket=ticket, kind=change_kind(ticket.text), state="pending"))

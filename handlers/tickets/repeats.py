"""The same resident writing again about a matter they already reported: which of their open
tickets it is about, and whether that is sure enough to add it without asking."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from nlu.classifier import Prediction
from storage.models import Resident, Ticket
from storage.uow import UnitOfWork

WITHIN = timedelta(days=7)  # since the ticket last moved
SAME = 0.6  # this alike (Dice over character bigrams): the same matter, joined
NEAR = 0.25  # this alike and of the same kind: perhaps the same matter, asked
# How a resident says it was not done, after a 不满意 reopened it.
COMPLAINT = re.compile(
    r"没(?:有)?(?:处理|解决|人管|人来|弄好|修好|清理)|还在|还是|根本|依然|仍然|又"
)
NOT_WORD = re.compile(r"[\W_]+")
NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Repeat:
    ticket: Ticket
    sure: bool


def bigrams(text: str) -> set[str]:
    letters = NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())
    return {letters[i : i + 2] for i in range(len(letters) - 1)} or {letters}


def similarity(a: str, b: str) -> float:
    """Dice's coefficient over character bigrams: 1 for the same words, 0 for none shared."""
    x, y = bigrams(a), bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y))


def other_numbers(a: str, b: str) -> bool:
    """Both name numbers and share none (3号楼 and 5号楼, the 1st and the 2nd crossing): two
    places or things, however alike the words."""
    x, y = (set(NUMBER.findall(unicodedata.normalize("NFKC", t))) for t in (a, b))
    return bool(x and y and not x & y)


async def find(
    uow: UnitOfWork, resident: Resident, text: str, prediction: Prediction, now: datetime
) -> Repeat | None:
    """The resident's open ticket this message is most likely about, or None: a new matter."""
    found = []
    for ticket in await uow.tickets.open_of_resident_since(resident.id, now - WITHIN):
        if ticket.category_options:
            continue
        alike = 0.0 if other_numbers(text, ticket.text) else similarity(text, ticket.text)
        same_kind = ticket.category == prediction.category
        complaint = ticket.rating == "dissatisfied" and (same_kind or COMPLAINT.search(text))
        if alike >= SAME or complaint:
            found.append((1, alike, ticket.id, ticket))
        elif same_kind and alike >= NEAR:
            found.append((0, alike, ticket.id, ticket))
    if not found:
        return None
    sure, _, _, ticket = max(found, key=lambda item: item[:3])
    return Repeat(ticket, bool(sure))

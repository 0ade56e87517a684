"""One rule for answers by number: the resident's latest live prompt takes their `1` or `2`.

Several replies end with a question answered by number: the kind of an unsure report, the
place a resident typed, whether a message adds to an open ticket, the guide's offer to do an
errand, the deletion of their data. The resident's row remembers only the latest (kind, the
ticket it is about, an argument, when it was asked): a newer prompt replaces an older one, and
each expires after `[intake] prompt_minutes`. The rating of a resolved ticket keeps its own
window (until the ticket closes); between the two, the more recent question wins. A number
that answers no live question is never a report.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.models import Resident

NUMBER = re.compile(r"^(?:第|选)?\s*([0-9])\s*(?:个|类|项|号)?[.。、,，!！~～ ]*$")
YES = frozenset({"是", "是的", "对", "对的", "没错", "确认", "好", "好的", "可以", "要", "需要"})
YES |= {"需要代办", "麻烦了", "麻烦你了", "行", "嗯", "嗯嗯"}
NO = frozenset({"不是", "不", "不对", "否", "不用", "不需要", "不要", "新问题", "算了"})
TRIM = " 。.!！~～,，"


@dataclass(frozen=True)
class Prompt:
    kind: str  # "category", "place", "join", "errand", "forget"
    ticket_id: int | None
    arg: str | None
    at: datetime


def ask(
    resident: Resident,
    kind: str,
    now: datetime,
    *,
    ticket_id: int | None = None,
    arg: str | None = None,
) -> None:
    """The reply ends with this question: it replaces any earlier one."""
    resident.prompt, resident.prompt_ticket_id, resident.prompt_arg = kind, ticket_id, arg
    resident.prompt_at = now


def close(resident: Resident) -> None:
    resident.prompt = resident.prompt_ticket_id = resident.prompt_arg = resident.prompt_at = None


def live(resident: Resident, now: datetime, window: timedelta) -> Prompt | None:
    """The question the resident's next message may answer, if it has not expired."""
    if not resident.prompt or resident.prompt_at is None or now - resident.prompt_at > window:
        return None
    return Prompt(
        resident.prompt, resident.prompt_ticket_id, resident.prompt_arg, resident.prompt_at
    )


def number_of(text: str) -> int | None:
    """`1`, `１`, `第1个`, `2。`: the whole message is one digit."""
    match = NUMBER.match(unicodedata.normalize("NFKC", text).strip())
    return int(match.group(1)) if match else None


def yes_or_no(text: str) -> int | None:
    """1 for a yes (`1`, `是的`, `好`), 2 for a no (`2`, `不是`, `新问题`), else None."""
    number = number_of(text)
    if number in (1, 2):
        return number
    word = unicodedata.normalize("NFKC", text).strip(TRIM)
    return 1 if word in YES else 2 if word in NO else None

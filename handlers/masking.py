"""Personal numbers masked: registry fields, and phone and ID numbers typed in free text,
for everyone who does not handle the ticket."""

from __future__ import annotations

import re

from storage.models import Staff, Ticket
from storage.uow import UnitOfWork

# One character for one, so that a match in the folded text is a match in the original.
FOLD = str.maketrans(
    {
        **{chr(0xFF10 + d): str(d) for d in range(10)},
        "Ｘ": "X",
        "ｘ": "X",
        "x": "X",
        "＋": "+",
        "（": "(",
        "）": ")",
        "－": "-",
        "﹣": "-",
        "‐": "-",
        "‑": "-",
        "–": "-",
        "—": "-",
        **dict.fromkeys(
            "\u00a0\u2002\u2003\u2009\u200a\u202f\u3000\u200b\u200c\u200d\u2060\ufeff", " "
        ),
    }
)
SEP = "[ -]{0,3}"  # 139 0000 0001, 139-0000-0001, 139 - 0000 - 0001
DATE = "(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
NUMBERS = re.compile(
    r"(?<![0-9])(?:"
    rf"(?P<id18>[1-9][0-9]{{5}}{SEP}(?:18|19|20)[0-9]{{2}}{DATE}{SEP}[0-9]{{3}}[0-9X])"
    rf"|(?P<id15>[1-9][0-9]{{7}}{DATE}[0-9]{{3}})"
    rf"|(?:(?:\+86|0086|86(?=1[3-9])){SEP})?(?P<mobile>1{SEP}[3-9](?:{SEP}[0-9]){{9}})"
    rf"|(?P<landline>(?:\(0[1-9][0-9]{{1,2}}\)|0[1-9][0-9]{{1,2}}){SEP}[0-9](?:{SEP}[0-9]){{6,7}})"
    r")(?![0-9])"
    rf"|(?<![0-9])(?P<cut>[0-9](?:{SEP}[0-9]){{4,17}})(?=…)"
)  # a number cut short by a clip


def mask_name(name: str | None) -> str:
    if not name:
        return "（未登记）"
    return name[0] + "*" if len(name) <= 2 else name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if phone and len(phone) >= 7 else "（未登记）"


def mask_id(number: str | None) -> str:
    return f"尾号 {number[-4:]}" if number else "（未登记）"


def mask_text(text: str) -> str:
    """Mobile and landline numbers as `139****0001`, ID numbers as `尾号 1234`; everything
    else, full-width characters included, as it was typed."""
    folded = text.translate(FOLD)
    out, done = [], 0
    for found in NUMBERS.finditer(folded):
        out += [text[done : found.start()], _masked(found)]
        done = found.end()
    return "".join([*out, text[done:]])


def _masked(found: re.Match) -> str:
    digits = re.sub(r"[^0-9X]", "", found.group(found.lastgroup))
    if found.lastgroup == "cut":
        return digits[:3] + "****"
    return mask_id(digits) if found.lastgroup.startswith("id") else mask_phone(digits)


async def sees_as_written(uow: UnitOfWork, staff: Staff, ticket: Ticket) -> bool:
    """The assignee, and the supervisors of the ticket's grid and the units above it, see
    what the resident wrote, to call back; everyone else sees the numbers masked."""
    if staff.id == ticket.assignee_id:
        return True
    where = ticket.grid_id or ticket.unit_id  # not placed: the county it was sent to
    if not staff.has_role("supervisor") or where is None:
        return False
    unit = await uow.org.unit(staff.unit_id)
    grid = await uow.org.unit(where)
    return grid.path == unit.path or grid.path.startswith(unit.path + "/")

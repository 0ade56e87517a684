"""`gridbot notice list`: the notices supervisors sent to residents (政策宣传)."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.tickets.views import local
from storage.models import Notice, OrgUnit
from storage.repos import Notices

COLUMNS = ("time", "unit", "sender", "messages", "templates", "unreached", "sent", "text")
TEXT_CHARS = 30


async def listing(session: AsyncSession, at_most: int, as_json: bool) -> str:
    """The latest notices, newest first: counts of each way of reaching residents, how many
    WeChat has taken so far (`sent`), and the text (clipped in the table)."""
    repo = Notices(session)
    found = await repo.latest(at_most)
    rows = [_row(notice, unit, await repo.delivered(notice.id)) for notice, unit in found]
    if as_json:
        return json.dumps(rows, ensure_ascii=False, indent=2)
    if not rows:
        return "(no notices)"
    for row, (notice, _) in zip(rows, found, strict=True):
        row["time"] = local(notice.created_at)
        row["text"] = _clipped(" ".join(notice.text.split()))
    return _table(rows)


def _row(notice: Notice, unit: OrgUnit, sent: int) -> dict:
    return {
        "id": notice.id,
        "time": notice.created_at.isoformat(),
        "starts": notice.starts_at.isoformat(),
        "unit": unit.path,
        "sender": notice.sender,
        "messages": notice.by_message,
        "templates": notice.by_template,
        "unreached": notice.unreached,
        "sent": sent,
        "text": notice.text,
    }


def _clipped(text: str) -> str:
    return text if len(text) <= TEXT_CHARS else text[:TEXT_CHARS] + "…"


def _table(rows: list[dict]) -> str:
    cells = [[str(row[c]) for c in COLUMNS] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)

"""Notices to residents (政策宣传): a supervisor's `通知 内容` or `通知 单位：内容` reaches the
residents placed in that unit's grids, through the outbox, paced and after quiet hours."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta

from handlers import texts
from handlers.calendar import local
from handlers.chat.verbs import Command
from handlers.errors import BadCommand, NotYourUnit
from handlers.policy import Notices
from handlers.ports import Ports
from handlers.scope import unit_within
from handlers.tickets.views import local as shown_time
from storage.models import Notice, OrgUnit, Staff
from storage.outbox import Message
from storage.uow import UnitOfWork

WINDOW = timedelta(hours=48)  # WeChat's customer-service window after a resident writes
MAX_CHARS = 500
TEMPLATE_CHARS = 180
TARGET = re.compile(r"^\s*([^\s:：]{1,80}?)\s*[:：]\s*(.*)$", re.S)
UNIT_SUFFIXES = ("网格", "社区", "村", "镇", "乡", "街道", "县", "区")
CODE = re.compile(r"^[0-9A-Z]+(?:-[0-9A-Z]+)+$")


def split_target(rest: str) -> tuple[str | None, str]:
    """`单位：内容` → (单位, 内容), either colon; without a colon, (None, everything)."""
    match = TARGET.match(rest)
    if match is None:
        return None, rest.strip()
    return unicodedata.normalize("NFKC", match.group(1)), match.group(2).strip()


def looks_like_unit(word: str) -> bool:
    """Whether the words before a colon were meant as a unit (a path, a code, a unit's name)
    rather than the start of the notice (`各位居民：…`)."""
    word = unicodedata.normalize("NFKC", word).upper()
    return "/" in word or bool(CODE.match(word)) or word.endswith(UNIT_SUFFIXES)


async def send_notice(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    if not staff.has_role("supervisor"):
        raise NotYourUnit(texts.NOTICE_ONLY_SUPERVISORS)
    own = await uow.org.unit(staff.unit_id)
    unit, text = await _target(uow, staff, own, command.rest)
    now, rules = ports.clock.now(), ports.policy.notices
    before = await _within_limit(uow, staff, unit, text, now, rules)
    start = ports.rhythm.quiet_end(now) or now  # the window must still be open then
    audience = await uow.notices.audience(await uow.org.subtree_ids(unit.id), start - WINDOW)
    reachable = [(openid, recent) for openid, recent in audience if recent or rules.template]
    times = schedule(len(reachable), now, rules.per_minute, ports.rhythm.quiet_end)
    by_message = sum(1 for _, recent in reachable if recent)
    notice = Notice(
        unit_id=unit.id,
        sender=staff.userid,
        text=text,
        created_at=now,
        starts_at=times[0] if times else now,
        by_message=by_message,
        by_template=len(reachable) - by_message,
        unreached=len(audience) - len(reachable),
    )
    uow.add(notice)
    await uow.flush()
    await uow.outbox.put(_messages(notice, own, reachable, times, rules.template), now)
    uow.registry.audit(f"staff:{staff.userid}", "notice", unit.path[:200], text, now)
    return _reply(notice, unit, before, rules)


async def _within_limit(
    uow: UnitOfWork, staff: Staff, unit: OrgUnit, text: str, now: datetime, rules: Notices
) -> int:
    """How many notices the unit had today; refused (and audited) at the daily limit."""
    count = await uow.notices.count_since(unit.id, _day_start(now))
    if count >= rules.per_day:
        actor = f"staff:{staff.userid}"
        uow.registry.audit(actor, "notice", unit.path[:200], text, now, outcome="refused")
        raise BadCommand(
            texts.NOTICE_OVER_LIMIT.format(unit=unit.path, count=count, limit=rules.per_day)
        )
    return count


async def _target(uow: UnitOfWork, staff: Staff, own: OrgUnit, rest: str) -> tuple[OrgUnit, str]:
    """The unit the notice goes to, and its text."""
    word, body = split_target(rest)
    unit = await unit_within(uow, staff, word) if word else None
    if unit is None and word and looks_like_unit(word):
        raise BadCommand(texts.NOTICE_UNIT_NOT_FOUND.format(name=word))
    text = body if unit is not None else rest.strip()
    if not text:
        raise BadCommand(texts.NOTICE_NEED_TEXT)
    if len(text) > MAX_CHARS:
        raise BadCommand(texts.NOTICE_TOO_LONG.format(limit=MAX_CHARS, length=len(text)))
    return unit or own, text


def _day_start(now: datetime) -> datetime:
    return local(now).replace(hour=0, minute=0, second=0, microsecond=0)


def schedule(
    count: int,
    now: datetime,
    per_minute: int,
    quiet_end: Callable[[datetime], datetime | None],
) -> list[datetime]:
    """When each of `count` messages may go: `per_minute` a minute, none in quiet hours."""
    times, at = [], now
    for n in range(count):
        if n and n % per_minute == 0:
            at += timedelta(minutes=1)
        at = quiet_end(at) or at
        times.append(at)
    return times


def _messages(
    notice: Notice,
    own: OrgUnit,
    reachable: list[tuple[str, bool]],
    times: list[datetime],
    template_id: str,
) -> list[Message]:
    """A customer-service message to those who wrote within the window (the template standing
    in should the window close meanwhile), a template message to the others."""
    text = texts.NOTICE_TO_RESIDENT.format(unit=own.name, text=notice.text)
    template = _template(template_id, own, notice) if template_id else None
    return [
        Message(
            channel="mp",
            recipient=openid,
            text=text,
            dedup_key=f"notice:{notice.id}:{openid}",
            unit_id=notice.unit_id,
            not_before=at,
            template=template,
            by_template=not recent,
        )
        for (openid, recent), at in zip(reachable, times, strict=True)
    ]


def _template(template_id: str, own: OrgUnit, notice: Notice) -> dict:
    body = notice.text
    if len(body) > TEMPLATE_CHARS:
        body = body[:TEMPLATE_CHARS] + "…"
    data = {
        "first": texts.NOTICE_TEMPLATE_FIRST.format(unit=own.name),
        "keyword1": body,
        "keyword2": shown_time(notice.created_at),
        "remark": texts.NOTICE_TEMPLATE_REMARK,
    }
    return {"id": template_id, "data": data}


def _reply(notice: Notice, unit: OrgUnit, before: int, rules: Notices) -> str:
    reached = notice.by_message + notice.by_template
    if reached or notice.unreached:
        sent = texts.NOTICE_SENT.format(
            unit=unit.path,
            reached=reached,
            by_message=notice.by_message,
            by_template=notice.by_template,
        )
    else:
        sent = texts.NOTICE_NOBODY.format(unit=unit.path)
    lines = [sent]
    if notice.unreached:
        lines.append(texts.NOTICE_UNREACHED.format(count=notice.unreached))
    if reached and notice.starts_at > notice.created_at:
        lines.append(texts.NOTICE_QUIET.format(time=shown_time(notice.starts_at)))
    if reached > rules.per_minute:
        minutes = -(-reached // rules.per_minute)
        lines.append(texts.NOTICE_PACED.format(per_minute=rules.per_minute, minutes=minutes))
    lines.append(texts.NOTICE_LEFT.format(unit=unit.path, left=rules.per_day - before - 1))
    return "\n".join(lines)

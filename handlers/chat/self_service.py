"""What residents do for themselves in chat: `撤回 CODE [原因]`, `补充 CODE 内容`,
`重新打开 CODE 原因` (a closed ticket, within `[sla] reopen_within`), `删除我的信息`
(confirmed by number, prompt kind "forget") and `隐私`. Read before the classifier; a ticket
that is not the resident's own is answered as an unknown code."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable

from handlers import prompts, texts
from handlers.errors import TransitionRefused
from handlers.inbound import Inbound
from handlers.ports import Ports
from handlers.tickets.feedback import rate, reopen_on_request
from handlers.tickets.lifecycle import OPEN, refusal
from handlers.tickets.routing import CODE_PREFIX, clip
from handlers.tickets.updates import add_update, withdraw
from handlers.tickets.views import lateness
from nlu.categories import category_name
from storage.models import Resident, Ticket
from storage.uow import UnitOfWork

CODED = re.compile(
    r"^(撤回|补充|重新打开)\s*(?:工单\s*)?(?:(?:GB-?)?([0-9A-Z]{5})(?![0-9A-Z]))?[\s:：,，]*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
FORGET = re.compile(
    r"^(?:请|我要|我想|麻烦)?(?:帮我)?(?:删除|删掉|清除|注销)(?:掉)?(?:我的)?(?:全部|所有)?"
    r"(?:个人)?(?:信息|资料|数据|账号|账户|记录)?(?:吧|谢谢)?$"
)
PRIVACY = frozenset({"隐私", "隐私说明", "隐私政策", "个人信息保护", "隐私保护"})
TRIM = " 。.!！~～,，?？"

Answer = Callable[[UnitOfWork, Resident, str, str, Ports], Awaitable[str]]


async def command(uow: UnitOfWork, resident: Resident, msg: Inbound, ports: Ports) -> str | None:
    """The answer when the message is a self-service command, else None."""
    text = unicodedata.normalize("NFKC", msg.text).strip()
    bare = text.strip(TRIM)
    if bare in PRIVACY:
        return texts.PRIVACY_INFO.format(days=ports.policy.retention_days)
    if FORGET.match(bare):
        prompts.ask(resident, "forget", ports.clock.now())
        return texts.ASK_FORGET
    match = CODED.match(text)
    if match is None:
        return None
    verb, code, rest = match.group(1), match.group(2), _as_typed(msg.text, match.start(3))
    if code is None:
        return await NO_CODE[verb](uow, resident, rest, ports) if verb in NO_CODE else None
    return await VERBS[verb](uow, resident, CODE_PREFIX + code.upper(), rest, ports)


def _as_typed(original: str, start: int) -> str:
    """The text from `start` of its normalised form on, as the resident typed it (full-width
    punctuation and all)."""
    original = original.strip()
    for cut in range(len(original) + 1):
        if len(unicodedata.normalize("NFKC", original[:cut])) >= start:
            return original[cut:].strip()
    return ""


async def _own_open(uow: UnitOfWork, resident: Resident, code: str) -> Ticket | str:
    """The resident's own ticket, or the refusal: another household's and an unknown code
    get the same words, so that nothing about another's ticket is told."""
    ticket = await uow.tickets.by_code(code)
    if ticket is None or ticket.resident_id != resident.id:
        return texts.SELF_CODE_UNKNOWN.format(code=code)
    return ticket


async def _withdraw(
    uow: UnitOfWork, resident: Resident, code: str, reason: str, ports: Ports
) -> str:
    ticket = await _own_open(uow, resident, code)
    if isinstance(ticket, str):
        return ticket
    if ticket.state in OPEN and len(await uow.tickets.reporters(ticket)) > 1:
        return texts.WITHDRAW_SHARED.format(code=ticket.code)  # the neighbours still wait
    try:
        await withdraw(uow, ticket, reason or None, ports.clock.now(), ports.policy)
    except TransitionRefused as refused:
        return str(refused)
    return texts.RESIDENT_WITHDRAWN.format(code=ticket.code)


async def _supplement(
    uow: UnitOfWork, resident: Resident, code: str, text: str, ports: Ports
) -> str:
    ticket = await _own_open(uow, resident, code)
    if isinstance(ticket, str):
        return ticket
    if ticket.state not in OPEN:
        return refusal(ticket, "update")
    if not text:
        return texts.SUPPLEMENT_EMPTY.format(code=ticket.code)
    await add_update(uow, ticket, text, ports.clock.now())
    return texts.JOINED.format(code=ticket.code)


async def reopen(uow: UnitOfWork, resident: Resident, code: str, reason: str, ports: Ports) -> str:
    """A closed ticket of theirs opens again one level up, within `reopen_within` of its
    close; a resolved one, as if rated 不满意; later, they are asked to report it again."""
    ticket = await uow.tickets.by_code(code)
    if ticket is None or not await uow.tickets.is_reporter(ticket, resident.id):
        return texts.RATING_CODE_UNKNOWN.format(code=code)
    if ticket.resident_id != resident.id:
        return texts.REOPEN_BY_FIRST_REPORTER.format(code=code)
    now, policy = ports.clock.now(), ports.policy
    within = lateness(policy.reopen_within)
    if ticket.state in OPEN:
        state = texts.STATE_NAMES[ticket.state]
        return texts.REOPEN_STILL_OPEN.format(code=ticket.code, state=state)
    if ticket.state == "withdrawn":
        return texts.REOPEN_WITHDRAWN.format(code=ticket.code)
    if ticket.state == "resolved":
        return await rate(uow, ticket, "dissatisfied", now, policy)
    if ticket.closed_at is None or now - ticket.closed_at > policy.reopen_within:
        return texts.REOPEN_TOO_LATE.format(code=ticket.code, within=within)
    return await reopen_on_request(uow, ticket, reason, now, policy)


async def _reopen_latest(uow: UnitOfWork, resident: Resident, reason: str, ports: Ports) -> str:
    """`重新打开` without a code: the resident's ticket closed last, if there is one."""
    ticket = await uow.tickets.latest_closed_of_resident(resident.id)
    if ticket is None:
        return texts.REOPEN_NOTHING
    if reason:
        return await reopen(uow, resident, ticket.code, reason, ports)
    return texts.REOPEN_HOW.format(code=ticket.code)


async def _list_to_withdraw(uow: UnitOfWork, resident: Resident, _: str, __: Ports) -> str:
    return await _list_open(uow, resident)


VERBS: dict[str, Answer] = {"撤回": _withdraw, "补充": _supplement, "重新打开": reopen}
NO_CODE = {"撤回": _list_to_withdraw, "重新打开": _reopen_latest}  # 补充… alone is a report


def listing(tickets: list[Ticket]) -> list[str]:
    """The resident's open tickets as they read them (`查询`, `撤回` alone)."""
    return [texts.MY_TICKETS_HEADER] + [
        texts.TICKET_LINE.format(
            code=t.code, category=category_name(t.category), state=texts.STATE_NAMES[t.state]
        )
        + f"：{clip(t.text, 30)}"
        for t in tickets
    ]


async def _list_open(uow: UnitOfWork, resident: Resident) -> str:
    tickets = await uow.tickets.open_of_resident(resident.id)
    if not tickets:
        return texts.NO_OPEN_TICKETS
    return "\n".join([*listing(tickets), texts.WITHDRAW_HOW.format(code=tickets[0].code)])

"""A resident's repeat or follow-up joins their open ticket instead of opening another; when
that is not sure, they are asked (`这是关于工单 X 的补充吗？`, prompt kind "join")."""

from __future__ import annotations

from handlers import prompts, texts
from handlers.inbound import Inbound
from handlers.ports import Ports
from handlers.tickets import intake, repeats
from handlers.tickets.lifecycle import OPEN
from handlers.tickets.routing import clip
from handlers.tickets.updates import add_update
from nlu.classifier import Prediction, classify
from storage.models import Resident, Ticket
from storage.uow import UnitOfWork


async def follow_up(
    uow: UnitOfWork, resident: Resident, text: str, prediction: Prediction, ports: Ports
) -> str | None:
    """The reply when the report is about one of the resident's open tickets; None when it
    is a new matter. An emergency is never held back by a question."""
    now = ports.clock.now()
    repeat = await repeats.find(uow, resident, text, prediction, now)
    if repeat is None or (not repeat.sure and prediction.urgent):
        return None
    if repeat.sure:
        return _first_what_to_do(prediction) + await _joined(uow, repeat.ticket, text, ports)
    ticket = repeat.ticket
    prompts.ask(resident, "join", now, ticket_id=ticket.id, arg=text)
    return texts.ASK_JOIN.format(code=ticket.code, text=clip(ticket.text, 20))


async def answer_join(
    uow: UnitOfWork, resident: Resident, prompt: prompts.Prompt, msg: Inbound, ports: Ports
) -> str | None:
    """1: the held message joins the ticket; 2: it is a new report. Anything else: it joins
    the ticket all the same (nothing the resident said is lost), and the message is read on."""
    answer = prompts.yes_or_no(msg.text)
    prompts.close(resident)
    ticket = await uow.tickets.get(prompt.ticket_id) if prompt.ticket_id else None
    is_open = ticket is not None and ticket.state in OPEN
    if answer == 2 or (answer == 1 and not is_open):
        prediction = await classify(ports.classifier, prompt.arg)
        now = ports.clock.now()
        return await intake.submit(uow, resident, prompt.arg, prediction, now, ports.policy)
    if is_open:
        reply = await _joined(uow, ticket, prompt.arg, ports)
        return reply if answer == 1 else None
    return None


async def keep_unanswered(uow: UnitOfWork, resident: Resident, ports: Ports) -> str | None:
    """A message held by `这是关于工单 X 的补充吗？` whose question expired unanswered is not
    lost: it joins the ticket (or, the ticket closed meanwhile, is a report of its own)."""
    if resident.prompt != "join" or prompts.live(
        resident, ports.clock.now(), ports.policy.prompt_window
    ):
        return None
    held = prompts.Prompt(
        "join", resident.prompt_ticket_id, resident.prompt_arg, resident.prompt_at
    )
    prompts.close(resident)
    ticket = await uow.tickets.get(held.ticket_id) if held.ticket_id else None
    if ticket is not None and ticket.state in OPEN:
        return await _joined(uow, ticket, held.arg, ports)
    prediction = await classify(ports.classifier, held.arg)
    now = ports.clock.now()
    return await intake.submit(uow, resident, held.arg, prediction, now, ports.policy)


async def _joined(uow: UnitOfWork, ticket: Ticket, text: str, ports: Ports) -> str:
    await add_update(uow, ticket, text, ports.clock.now())
    return texts.JOINED.format(code=ticket.code)


def _first_what_to_do(prediction: Prediction) -> str:
    if prediction.risk == "none":
        return ""
    return texts.EMERGENCY_LINES.get(prediction.emergency_kind, texts.URGENT_FIRST_LINE) + "\n"

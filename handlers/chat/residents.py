"""What residents do on the Official Account: subscribe, locate, report, add photos, ask."""

from __future__ import annotations

from handlers import prompts, texts
from handlers.chat import follow_ups, forgetting, self_service
from handlers.inbound import Inbound
from handlers.ports import Handler, Ports
from handlers.tickets import feedback, intake, places
from handlers.tickets.lifecycle import record
from handlers.tickets.places import PlaceMatch, grid_label, only_a_place
from nlu.classifier import Prediction, classify
from storage.models import Attachment, Resident
from storage.uow import UnitOfWork

SHOWN_AT_MOST = 3  # earlier updates shown before an answer


async def on_subscribe(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str:
    resident = await uow.people.get_or_add_resident(msg.sender, ports.clock.now())
    resident.subscribed = True
    resident.consent_version, resident.consent_at = texts.PRIVACY_VERSION, ports.clock.now()
    return texts.WELCOME


async def on_unsubscribe(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str | None:
    resident = await uow.people.resident(msg.sender)
    if resident:
        resident.subscribed = False
    return None


async def on_location(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str:
    resident, routed = await _locate(uow, msg, ports)
    if msg.lat is None or resident.grid_id is None:
        return texts.OUTSIDE_GRIDS
    contact = await _grid_contact(uow, resident.grid_id, texts.LOCATED)
    return "\n\n".join([contact, *routed])


async def on_location_event(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str | None:
    """WeChat's automatic location report: quiet unless it lets waiting reports go out."""
    _, routed = await _locate(uow, msg, ports)
    return "\n\n".join(routed) if routed else None


async def _locate(uow: UnitOfWork, msg: Inbound, ports: Ports) -> tuple[Resident, list[str]]:
    """Place the resident in a grid and route the reports that waited for it."""
    now = ports.clock.now()
    resident = await uow.people.get_or_add_resident(msg.sender, now)
    if msg.lat is None or msg.lon is None:
        return resident, []
    resident.lat, resident.lon, resident.located_at = msg.lat, msg.lon, now
    resident.place = msg.label or resident.place
    resident.grid_id = ports.grids.locate(msg.lon, msg.lat)
    if resident.grid_id is None:
        return resident, []
    return resident, await route_waiting(uow, resident, ports)


async def route_waiting(uow: UnitOfWork, resident: Resident, ports: Ports) -> list[str]:
    """Route the resident's reports that waited for a grid, now that they have one."""
    pending = await uow.tickets.unrouted_of_resident(resident.id)
    now = ports.clock.now()
    routed = [await intake.open_waiting(uow, t, resident, now, ports.policy) for t in pending]
    return ["\n".join([texts.PENDING_ROUTED, *routed])] if routed else []


async def on_text(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str:
    resident = await uow.people.get_or_add_resident(msg.sender, ports.clock.now())
    kept = await follow_ups.keep_unanswered(uow, resident, ports)  # an expired 是否补充
    reply = await _answer_text(uow, resident, msg, ports)
    return f"{kept}\n\n{reply}" if kept else reply


async def _answer_text(uow: UnitOfWork, resident: Resident, msg: Inbound, ports: Ports) -> str:
    now = ports.clock.now()
    waiting, rated = None, None
    if resident.awaits_answer:  # known from reading the resident
        waiting, rated = await uow.tickets.awaiting_answer(resident.id)
    prompt = prompts.live(resident, now, ports.policy.prompt_window)
    rating = feedback.rating_of(msg.text) if rated else None
    if rating and (prompt is None or rated.resolved_at >= prompt.at):  # asked last
        return await feedback.rate(uow, rated, rating, now, ports.policy)
    if prompt:
        answer = await PROMPT_ANSWERS[prompt.kind](uow, resident, prompt, msg, ports)
        if answer is not None:
            return answer
    number = prompts.number_of(msg.text)
    if waiting:  # the kind was not picked: the report goes out as the likeliest kind
        settled = await intake.settle_choice(uow, waiting, resident, now, ports.policy)
        rest = texts.NUMBER_ANSWERS_NOTHING if number is not None else None
        return settled + "\n\n" + (rest or await _understand(uow, resident, msg, ports))
    coded = feedback.coded_rating_of(msg.text)
    if coded:
        return await _rate_by_code(uow, resident, *coded, ports)
    if rating:
        return await feedback.rate(uow, rated, rating, now, ports.policy)
    if number is not None:  # a number answers a question, and none is open: never a report
        return texts.NUMBER_ANSWERS_NOTHING
    return await _understand(uow, resident, msg, ports)


async def _pick_category(
    uow: UnitOfWork, resident: Resident, prompt: prompts.Prompt, msg: Inbound, ports: Ports
) -> str | None:
    """The kind of an unsure report, picked by number."""
    ticket = await uow.tickets.by_code(prompt.arg)
    if ticket is None or ticket.state != "new" or not ticket.category_options:
        prompts.close(resident)
        return None
    number = prompts.number_of(msg.text)
    if number is None:
        return None
    options = len(ticket.category_options)
    if not 1 <= number <= options:
        return texts.NUMBER_OUT_OF_RANGE.format(last=options)
    prompts.close(resident)
    return await intake.choose(uow, ticket, resident, number, ports.clock.now(), ports.policy)


async def _take_up_errand(
    uow: UnitOfWork, resident: Resident, prompt: prompts.Prompt, msg: Inbound, ports: Ports
) -> str | None:
    """A "1" (or 需要) soon after the guide offered to have the grid worker do the errand:
    it becomes a 代办公共服务 ticket, routed as any report."""
    answer = prompts.yes_or_no(msg.text)
    if answer is None:
        return None
    prompts.close(resident)
    if answer == 2:
        return texts.ERRAND_DECLINED
    errand = Prediction(intent="report", category="public_service", confidence=1.0)
    text = texts.GUIDE_TICKET_TEXT.format(service=prompt.arg)
    return await intake.submit(uow, resident, text, errand, ports.clock.now(), ports.policy)


async def _rate_by_code(
    uow: UnitOfWork, resident: Resident, code: str, rating: str, ports: Ports
) -> str:
    """Only the ticket's own resident rates it, and only once it is resolved; a household
    linked to it later hears how it goes but neither closes nor reopens it."""
    ticket = await uow.tickets.by_code(code)
    if ticket is None or not await uow.tickets.is_reporter(ticket, resident.id):
        return texts.RATING_CODE_UNKNOWN.format(code=code)
    if ticket.resident_id != resident.id:
        return texts.RATING_BY_FIRST_REPORTER.format(code=code)
    if ticket.state == "closed" and rating == "dissatisfied":  # a complaint once it closed
        return await self_service.reopen(uow, resident, code, "", ports)
    if ticket.state != "resolved":
        return texts.RATING_NOT_DUE.format(code=code, state=texts.STATE_NAMES[ticket.state])
    return await feedback.rate(uow, ticket, rating, ports.clock.now(), ports.policy)


async def _understand(uow: UnitOfWork, resident: Resident, msg: Inbound, ports: Ports) -> str:
    own = await self_service.command(uow, resident, msg, ports)  # 撤回, 补充, 删除我的信息, 隐私
    if own is not None:
        return own
    prediction = await classify(ports.classifier, msg.text)
    unplaced = resident.grid_id is None
    asks_place = unplaced or places.states_address(msg.text)
    known = await places.gazetteer(uow, ports.gazetteers) if asks_place else None
    typed = known.find(msg.text) if known else None
    if typed and (only_a_place(typed) or (unplaced and not prediction.is_report)):
        return _ask_place(resident, typed, ports)  # `我住在东关路12号`: no report in it
    if known and typed is None and known.names_only_units(msg.text):
        return texts.PLACE_TOO_WIDE  # `我住在东关社区`: which of its grids?
    typed = typed if unplaced else None  # a placed resident's report stays in their grid
    if not prediction.is_report:  # (a possible danger in it: the fitting line first)
        answer = await INTENT_ANSWERS[prediction.intent](uow, resident, msg, ports)
        return intake.with_guidance(prediction, answer)
    joined = await follow_ups.follow_up(uow, resident, msg.text, prediction, ports)
    if joined is not None:  # about a ticket of theirs still open
        return joined
    reply = await intake.submit(
        uow, resident, msg.text, prediction, ports.clock.now(), ports.policy
    )
    if typed is None or resident.prompt == "category":  # one question at a time
        return reply
    return reply + "\n" + _ask_place(resident, typed, ports)


def _ask_place(resident: Resident, typed: PlaceMatch, ports: Ports) -> str:
    """The place a resident typed is confirmed before it places them."""
    prompts.ask(resident, "place", ports.clock.now(), arg=str(typed.grid_id))
    return texts.CONFIRM_PLACE.format(grid=grid_label(typed.path))


async def _confirm_place(
    uow: UnitOfWork, resident: Resident, prompt: prompts.Prompt, msg: Inbound, ports: Ports
) -> str | None:
    """`1`: the resident is placed in the grid they typed, and what waited for it goes out;
    `2`: they are asked for their location instead."""
    answer = prompts.yes_or_no(msg.text)
    if answer is None:
        return None
    prompts.close(resident)
    grid = await uow.org.unit(int(prompt.arg))
    if answer == 2 or grid is None or grid.level != "grid":
        return texts.ASK_LOCATION
    if resident.grid_id != grid.id:  # a point elsewhere no longer says where they are
        resident.lat = resident.lon = None
    resident.grid_id, resident.located_at = grid.id, ports.clock.now()
    contact = await _grid_contact(uow, grid.id, texts.LOCATED)
    return "\n\n".join([contact, *await route_waiting(uow, resident, ports)])


async def on_image(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str:
    now = ports.clock.now()
    resident = await uow.people.get_or_add_resident(msg.sender, now)
    tickets = await uow.tickets.open_of_resident(resident.id)
    if not tickets:
        return texts.IMAGE_NO_TICKET
    ticket = tickets[-1]
    uow.add(
        Attachment(
            ticket_id=ticket.id,
            kind="image",
            media_id=msg.media_id,
            url=msg.pic_url,
            created_at=now,
        )
    )
    uow.add(record(ticket, "attach", actor="resident", now=now, note="image"))
    return texts.IMAGE_ATTACHED.format(code=ticket.code)


async def on_unsupported(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str:
    return texts.UNSUPPORTED


async def _grid_contact(uow: UnitOfWork, grid_id: int, template: str) -> str:
    grid = await uow.org.unit(grid_id)
    worker = await uow.people.grid_worker(grid_id)
    if worker is None:
        return texts.LOCATED_NO_WORKER.format(grid=grid.path)
    return template.format(grid=grid.path, worker=worker.name, phone=worker.phone)


async def _answer_greet(uow: UnitOfWork, resident: Resident, msg: Inbound, ports: Ports) -> str:
    return texts.GREET


async def _answer_thanks(uow: UnitOfWork, resident: Resident, msg: Inbound, ports: Ports) -> str:
    return texts.THANKS


async def _answer_help(uow: UnitOfWork, resident: Resident, msg: Inbound, ports: Ports) -> str:
    return texts.HELP_RESIDENT


async def _answer_status(uow: UnitOfWork, resident: Resident, msg: Inbound, ports: Ports) -> str:
    tickets = await uow.tickets.open_of_resident(resident.id)
    if not tickets:
        return texts.NO_OPEN_TICKETS
    return "\n".join(self_service.listing(tickets))


async def _answer_worker(uow: UnitOfWork, resident: Resident, msg: Inbound, ports: Ports) -> str:
    if resident.grid_id is None:
        return texts.ASK_LOCATION
    return await _grid_contact(uow, resident.grid_id, texts.WORKER_CONTACT)


async def _answer_chitchat(uow: UnitOfWork, resident: Resident, msg: Inbound, ports: Ports) -> str:
    return texts.CHITCHAT


async def _answer_spam(uow: UnitOfWork, resident: Resident, msg: Inbound, ports: Ports) -> str:
    ports.count("spam")
    return texts.SPAM_REPLY


async def _answer_vague(uow: UnitOfWork, resident: Resident, msg: Inbound, ports: Ports) -> str:
    return texts.ASK_DETAILS


async def _answer_service(uow: UnitOfWork, resident: Resident, msg: Inbound, ports: Ports) -> str:
    """办事指南: the guide's answer, which offers to have the grid worker do it (回复 1)."""
    now = ports.clock.now()
    entry = ports.guide.guide.match(msg.text) if ports.guide else None  # kept fresh by the app
    if entry is None:
        return texts.GUIDE_NOT_FOUND
    prompts.ask(resident, "errand", now, arg=entry.name)
    return entry.reply()


INTENT_ANSWERS = {
    "greet": _answer_greet,
    "thanks": _answer_thanks,
    "help": _answer_help,
    "query_status": _answer_status,
    "ask_worker": _answer_worker,
    "chitchat": _answer_chitchat,
    "spam": _answer_spam,
    "vague": _answer_vague,
    "ask_service": _answer_service,
}

# What answers each kind of question (handlers/prompts.py); None: the message answers nothing.
PROMPT_ANSWERS = {
    "category": _pick_category,
    "errand": _take_up_errand,
    "join": follow_ups.answer_join,
    "forget": forgetting.answer_forget,
    "place": _confirm_place,
}


def with_earlier_updates(handler: Handler) -> Handler:
    """Updates WeChat refused to deliver (the 48-hour window had closed) are shown the next
    time the resident writes, before the answer to what they wrote."""

    async def answer(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str | None:
        reply = await handler(uow, msg, ports)
        resident = await uow.people.resident(msg.sender)  # read already: no query
        if resident is None or not resident.has_held:
            return reply
        held = await uow.outbox.take_held(msg.sender, SHOWN_AT_MOST)
        if not held:
            return reply
        return "\n\n".join([texts.EARLIER_UPDATES, *held, *([reply] if reply else [])])

    return answer

"""WeChat's side of a push, retries included: a message whose POST got no answer within 5 s, a
broken connection or any status but 200 is POSTed again with the same query and body, three
times, about 5 s apart; then WeChat gives up on it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import aiohttp

from bot.devkit.simulator import WeChatSimulator

ANSWER_SECONDS = 5.0  # WeChat stops waiting for an answer after this
RETRIES = 3
RETRY_SECONDS = 5.0  # WeChat's spacing; runs that must be short pass less


@dataclass
class Delivery:
    """What WeChat saw of one message: each attempt's outcome, and the passive reply's text
    of the answer that was 200."""

    outcomes: list[str] = field(default_factory=list)  # "200", "503", "timeout", "no connection"
    passive: str | None = None
    posting: bool = False  # a POST is out, its answer not yet in

    @property
    def answered(self) -> bool:
        return "200" in self.outcomes

    def count(self, outcome: str) -> int:
        return self.outcomes.count(outcome)


async def push(
    sim: WeChatSimulator,
    fields: dict[str, object],
    spacing: float = RETRY_SECONDS,
    delivery: Delivery | None = None,
) -> Delivery:
    """POST the message as WeChat does until it is answered 200 or WeChat gives up; signed
    once, so every retry carries the same query and body."""
    delivery = delivery if delivery is not None else Delivery()
    query, body = sim.sign(fields)
    for attempt in range(RETRIES + 1):
        if attempt:
            await asyncio.sleep(spacing)
        delivery.posting = True
        try:
            outcome, text = await _attempt(sim, query, body.encode("utf-8"))
        finally:
            delivery.posting = False
        delivery.outcomes.append(outcome)
        if outcome == "200":
            delivery.passive = text
            break
    return delivery


async def _attempt(
    sim: WeChatSimulator, query: dict[str, str], body: bytes
) -> tuple[str, str | None]:
    try:
        reply = await asyncio.wait_for(sim.post(query, body), ANSWER_SECONDS)
    except TimeoutError:
        return "timeout", None
    except aiohttp.ClientError:  # refused while the server restarts, or cut by its death
        return "no connection", None
    return str(reply.status), reply.text

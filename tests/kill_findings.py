"""What a run with kills left, read from the database and from what the fake WeChat API
received; checked against the guarantee (a 200 means stored, nothing answered is lost, nothing
is sent twice) and shown as a table."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from bot.devkit.fake_wechat import FakeWeChat
from storage.db import make_sessionmaker
from storage.models import Resident, Ticket
from tests.kill_state import Kill
from tests.kill_stream import Report

CODE = re.compile(r"GB-[0-9A-Z]{5}")
NEW_TICKET = "【新工单】"
SHOWN = 5  # names given per failure


@dataclass
class Findings:
    reports: list[Report]
    kills: list[Kill]
    tickets: dict[str, list[str]]  # resident → codes of the tickets of their report
    notices: Counter  # ticket code → 【新工单】 notices the fake API received
    replies: dict[str, int]  # resident → replies carrying a ticket code, passive or by API
    strays: list[str]  # tickets no report explains
    settled: float | None  # seconds until nothing was left to do; None: not in time

    @property
    def answered(self) -> list[Report]:
        return [r for r in self.reports if r.delivery.answered]

    @property
    def given_up(self) -> list[Report]:
        return [r for r in self.reports if not r.delivery.answered]

    def lost(self) -> list[str]:
        return [r.resident for r in self.answered if not self.tickets.get(r.resident)]

    def duplicated(self) -> list[str]:
        return [resident for resident, codes in self.tickets.items() if len(codes) > 1]

    def codes(self) -> list[str]:
        return [code for codes in self.tickets.values() for code in codes]

    def notices_per_ticket(self) -> list[int]:
        return [self.notices[code] for code in self.codes()]

    def replies_per_resident(self) -> list[int]:
        return [self.replies.get(resident, 0) for resident, codes in self.tickets.items() if codes]

    def failing(self) -> dict[str, list[str]]:
        """Each invariant, and the residents it does not hold for. A report WeChat gave up on
        (no attempt answered 200) may have a ticket without its reply: the process died after
        taking the reply for its answer and before writing it, and none of WeChat's retries
        reached a server; WeChat showed the resident that the service failed."""
        ticketed = {resident for resident, codes in self.tickets.items() if codes}
        return {
            "answered 200 but no ticket": self.lost(),
            "more than one ticket for one report": self.duplicated(),
            "not exactly one 【新工单】 notice": sorted(
                r
                for r, codes in self.tickets.items()
                if any(self.notices[code] != 1 for code in codes)
            ),
            "answered 200 but not exactly one reply with the code": sorted(
                r.resident for r in self.answered if self.replies.get(r.resident, 0) != 1
            ),
            "more than one reply with the code": sorted(
                r for r in ticketed if self.replies.get(r, 0) > 1
            ),
            "a reply with a code but no ticket": sorted(
                r for r, n in self.replies.items() if n and r not in ticketed
            ),
        }

    def failures(self) -> list[str]:
        """Each invariant that does not hold, with the residents it fails for."""
        problems = [
            f"{what}: {len(names)} ({', '.join(names[:SHOWN])})"
            for what, names in self.failing().items()
            if names
        ]
        if self.strays or set(self.notices) - set(self.codes()):
            problems.append(
                f"tickets or notices no report explains: {self.strays}, "
                f"{sorted(set(self.notices) - set(self.codes()))}"
            )
        if self.settled is None:
            problems.append("not settled: messages were still pending at the deadline")
        return problems

    def rows(self) -> list[tuple[str, str]]:
        gave_up_ticketed = sum(bool(self.tickets.get(r.resident)) for r in self.given_up)
        return [
            ("kills", str(len(self.kills))),
            ("reports sent", str(len(self.reports))),
            ("answered 200", str(len(self.answered))),
            ("503s", str(sum(r.delivery.count("503") for r in self.reports))),
            (
                "timeouts / no connection",
                f"{self._outcomes('timeout')} / {self._outcomes('no connection')}",
            ),
            (
                "given up by WeChat (of them ticketed)",
                f"{len(self.given_up)} ({gave_up_ticketed})",
            ),
            ("tickets", str(len(self.codes()))),
            ("duplicates (tickets per report > 1)", str(len(self.duplicated()))),
            ("lost (answered 200, no ticket)", str(len(self.lost()))),
            ("notices per ticket (min/max)", _span(self.notices_per_ticket())),
            ("replies per resident (min/max)", _span(self.replies_per_resident())),
            ("settled after", "not in time" if self.settled is None else f"{self.settled:.0f} s"),
        ]

    def phases(self) -> list[tuple[str, str]]:
        """How many kills left work behind in each phase."""

        def hit(name: str) -> str:
            return str(sum(bool(getattr(kill, name)) for kill in self.kills))

        return [
            ("kills with POSTs in flight", hit("posting")),
            ("kills leaving journal rows unhandled", hit("pending")),
            ("kills leaving replies waiting on the row", hit("waiting")),
            ("kills during an outbox send", hit("sending")),
            ("kills leaving outbox rows untried", hit("unsent")),
        ]

    def table(self, title: str) -> str:
        rows = self.rows() + self.phases()
        width = max(len(label) for label, _ in rows)
        lines = [title, "-" * (width + 12)]
        lines += [f"{label:<{width}}  {value:>8}" for label, value in rows]
        problems = self.failures()
        lines.append("invariants: " + ("all hold" if not problems else "FAILED"))
        lines += [f"  - {problem}" for problem in problems]
        return "\n".join(lines)

    def _outcomes(self, outcome: str) -> int:
        return sum(r.delivery.count(outcome) for r in self.reports)


def _span(values: list[int]) -> str:
    return f"{min(values)}/{max(values)}" if values else "-"


async def read_findings(
    engine, fake: FakeWeChat, reports: list[Report], kills: list[Kill], settled: float | None
) -> Findings:
    texts = {r.resident: r.text for r in reports}
    tickets: dict[str, list[str]] = {r.resident: [] for r in reports}
    strays = []
    async with make_sessionmaker(engine)() as session:
        for code, text, openid in await session.execute(
            select(Ticket.code, Ticket.text, Resident.openid).join(
                Resident, Resident.id == Ticket.resident_id, isouter=True
            )
        ):
            if texts.get(openid) == text:
                tickets[openid].append(code)
            else:
                strays.append(code)
    return Findings(
        reports, kills, tickets, _notices(fake), _replies(fake, reports), strays, settled
    )


def _notices(fake: FakeWeChat) -> Counter:
    return Counter(
        CODE.search(sent.text).group(0)
        for sent in fake.sent
        if sent.channel == "work" and sent.text.startswith(NEW_TICKET)
    )


def _replies(fake: FakeWeChat, reports: list[Report]) -> dict[str, int]:
    """Per resident: the passive reply of the answer that was 200, and the messages sent by
    API, that carry a ticket code."""
    return {
        r.resident: sum(
            bool(text and CODE.search(text)) for text in [r.delivery.passive, *fake.to(r.resident)]
        )
        for r in reports
    }

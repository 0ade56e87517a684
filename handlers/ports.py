"""The ports handlers depend on; bootstrap wires real ones, tests wire fakes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from handlers.calendar import Rhythm
from handlers.policy import Policy
from handlers.tickets.places import Gazetteers
from nlu.classifier import Classifier
from nlu.guide import GuideWatcher
from storage.crypto import DataKey

if TYPE_CHECKING:
    from handlers.console.sessions import ConsoleLinks
    from handlers.inbound import Inbound
    from storage.uow import UnitOfWork


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class GridLocator(Protocol):
    def locate(self, lon: float, lat: float) -> int | None: ...


@dataclass
class Ports:
    classifier: Classifier
    clock: Clock
    grids: GridLocator
    policy: Policy = field(default_factory=Policy)
    data_key: DataKey | None = None  # reads and writes the registry; None: it stays locked
    rhythm: Rhythm = field(default_factory=Rhythm)
    count: Callable[[str], None] = lambda event: None  # counts what /metrics shows
    guide: GuideWatcher | None = None  # 办事指南; None: questions get a general answer
    gazetteers: Gazetteers = field(default_factory=Gazetteers)  # kept between messages
    console: ConsoleLinks | None = None  # the web console's login links; None: no console


Handler = Callable[["UnitOfWork", "Inbound", Ports], Awaitable[str | None]]
"""What the dispatcher calls for a kind of message: the reply, or None."""

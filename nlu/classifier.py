"""The classifier port: every backend turns a text into a Prediction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

MAX_MODEL_CHARS = 2000
RISKS = ("urgent", "possible", "none")


@dataclass(frozen=True)
class Prediction:
    intent: str  # "report" or one of nlu.categories.OTHER_INTENTS
    category: str | None  # a category id when intent == "report"
    confidence: float
    urgent: bool = False
    must_attend: bool = False
    alternatives: tuple[str, ...] = ()  # the likeliest categories, best first, for asking
    # "urgent": someone is in danger now (the supervisor is alarmed); "possible": risky but
    # unclear (the reply carries the emergency line, no alarm); "none".
    risk: str = "none"
    emergency_kind: str | None = None  # nlu.rules.EMERGENCY_KINDS, None when risk is none

    def __post_init__(self):
        if self.urgent and self.risk != "urgent":  # urgent=True alone, from older callers
            object.__setattr__(self, "risk", "urgent")
        object.__setattr__(self, "urgent", self.risk == "urgent")
        if self.risk == "none":
            object.__setattr__(self, "emergency_kind", None)

    @property
    def is_report(self) -> bool:
        return self.intent == "report"


class Classifier(Protocol):
    def predict(self, text: str) -> Prediction: ...


async def classify(classifier: Classifier, text: str) -> Prediction:
    """Ask the classifier without blocking the event loop when it calls out (Rasa)."""
    apredict = getattr(classifier, "apredict", None)
    return await apredict(text) if apredict else classifier.predict(text)


class Remembered:
    """A classifier that keeps its answers for the last texts it was asked about. The service
    asks it once before a message's transaction opens, so a slow backend (a Rasa server timing
    out) holds no database connection; the handler's own question is then answered at once."""

    def __init__(self, inner: Classifier, size: int = 256):
        self.inner = inner
        self._size = size
        self._known: dict[str, Prediction] = {}

    def predict(self, text: str) -> Prediction:
        if text not in self._known:
            self._keep(text, self.inner.predict(text))
        return self._known[text]

    async def apredict(self, text: str) -> Prediction:
        if text not in self._known:
            self._keep(text, await classify(self.inner, text))
        return self._known[text]

    def _keep(self, text: str, prediction: Prediction) -> None:
        if len(self._known) >= self._size:
            del self._known[next(iter(self._known))]  # the oldest
        self._known[text] = prediction

"""The classifier port: every backend turns a text into a Prediction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

MAX_MODEL_CHARS = 2000


@dataclass(frozen=True)
class Prediction:
    intent: str  # "report" or one of nlu.categories.OTHER_INTENTS
    category: str | None  # a category id when intent == "report"
    confidence: float
    urgent: bool = False
    must_attend: bool = False
    alternatives: tuple[str, ...] = ()  # the likeliest categories, best first, for asking

    @property
    def is_report(self) -> bool:
        return self.intent == "report"


class Classifier(Protocol):
    def predict(self, text: str) -> Prediction: ...


async def classify(classifier: Classifier, text: str) -> Prediction:
    """Ask the classifier without blocking the event loop when it calls out (Rasa)."""
    apredict = getattr(classifier, "apredict", None)
    return await apredict(text) if apredict else classifier.predict(text)

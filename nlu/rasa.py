"""The Rasa backend: a Rasa 3.6 server in its own process, asked over HTTP (see nlu/RASA.md).

Rasa only names the intent. Urgency and must-attend come from nlu.rules, and whenever Rasa is
slow, down or answers something we cannot read, the fallback classifier answers instead.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from http.client import HTTPException

from nlu import rules
from nlu.categories import CATEGORY_IDS, OTHER_INTENTS
from nlu.classifier import MAX_MODEL_CHARS, Classifier, Prediction

log = logging.getLogger(__name__)
URGENT_CATEGORY = "public_security"  # where an emergency goes when Rasa calls it small talk
CRISIS_CATEGORY = "special_population"
MAX_ANSWER_BYTES = 1 << 20
ALTERNATIVES = 3  # categories offered when the resident is asked to choose


class MalformedAnswer(ValueError):
    """Rasa answered, but not with an intent we know; the message names the part, not the text."""


class RasaClassifier:
    def __init__(self, url: str, fallback: Classifier, timeout: float = 1.0):
        self._endpoint = url.rstrip("/") + "/model/parse"
        self._fallback = fallback
        self._timeout = timeout
        # Rasa runs next to us: never send resident messages through an environment proxy.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def predict(self, text: str) -> Prediction:
        try:
            intent, confidence, alternatives = _read(self._ask(text))
        except (OSError, HTTPException, ValueError) as error:
            log.warning("Rasa NLU failed (%s); the fallback classifier answers", _reason(error))
            return self._fallback.predict(text)
        return _prediction(text, intent, confidence, alternatives)

    async def apredict(self, text: str) -> Prediction:
        return await asyncio.to_thread(self.predict, text)

    def _ask(self, text: str) -> object:
        body = json.dumps({"text": text[:MAX_MODEL_CHARS]}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            self._endpoint,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        with self._opener.open(request, timeout=self._timeout) as response:
            return json.loads(response.read(MAX_ANSWER_BYTES))


def _read(answer: object) -> tuple[str, float, tuple[str, ...]]:
    """Rasa's intent, its confidence and the likeliest categories from its ranking."""
    intent = answer.get("intent") if isinstance(answer, dict) else None
    if not isinstance(intent, dict):
        raise MalformedAnswer("no intent")
    name, confidence = intent.get("name"), intent.get("confidence")
    if not isinstance(confidence, int | float) or isinstance(confidence, bool):
        raise MalformedAnswer("no confidence")
    if name not in CATEGORY_IDS and name not in OTHER_INTENTS:
        raise MalformedAnswer("unknown intent")
    return name, float(confidence), _ranked_categories(answer.get("intent_ranking"))


def _ranked_categories(ranking: object) -> tuple[str, ...]:
    entries = ranking if isinstance(ranking, list) else []
    names = [entry.get("name") for entry in entries if isinstance(entry, dict)]
    return tuple([name for name in names if name in CATEGORY_IDS][:ALTERNATIVES])


def _prediction(
    text: str, intent: str, confidence: float, alternatives: tuple[str, ...]
) -> Prediction:
    risk, kind = rules.rule_risk(text)
    urgent = risk == "urgent"
    if intent in OTHER_INTENTS and not urgent:
        return Prediction(intent=intent, category=None, confidence=confidence)
    if intent in OTHER_INTENTS:  # the rules found an emergency: never answer it with small talk
        intent, confidence = URGENT_CATEGORY, 0.0  # 0.0: Rasa chose no category
    if kind == "self_harm":  # a crisis: cared for by the grid worker, never a legal matter
        intent = CRISIS_CATEGORY
    return Prediction(
        intent="report",
        category=intent,
        confidence=confidence,
        must_attend=rules.is_must_attend(text, intent),
        alternatives=alternatives,
        risk=risk,
        emergency_kind=kind,
    )


def _reason(error: Exception) -> str:
    """What went wrong, for the log: never the resident's text nor Rasa's answer."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    if isinstance(error, MalformedAnswer):
        return str(error)
    if isinstance(error, urllib.error.URLError) and isinstance(error.reason, BaseException):
        error = error.reason  # URLError wraps the socket error: report that one
    return type(error).__name__

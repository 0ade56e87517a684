"""From the models' probabilities to a Prediction: report or not, which duty, how urgent.

Below the choice threshold a report is either *torn* (two or three duties share the
probability: the resident is asked to pick among the alternatives) or *vague* (nothing fits:
the intent is "vague" and the resident is asked to say more).
"""

from __future__ import annotations

import re

from nlu import rules
from nlu.categories import CATEGORY_IDS
from nlu.classifier import Prediction
from nlu.nonreports import nonreport_intent, reports_advert
from nlu.urgency import NONE, POSSIBLE, Risk, Thresholds, assess

CHOICE_THRESHOLD = 0.45  # handlers.policy.Policy.choice_threshold: below it the resident picks
TORN_MASS = 0.55  # the top two duties together at least this: torn between them, not vague
# Chit-chat, questions and vague openings are mostly short: a message of 24 characters or more
# is a report, however unsure the duty, unless it is an advert.
REPORT_LENGTH = 24
REPORT_MASS = 0.6  # the duties together at least this likely: a report, even if none stands out
ALTERNATIVES = 3
CRISIS_CATEGORY = "special_population"
# Where an emergency goes when the model is unsure of its duty: the police station's duty.
DANGER_CATEGORY = "public_security"
# Wanting a person to talk to (我想跟真人说话, 想找个人聊聊) may be how a crisis begins: asked
# for in a short message, the reply leads with the crisis line whatever the model's score.
TALK_TO_SOMEONE = re.compile(r"(跟|和|同|找)(个|一个)?(真|活)?人(说|聊|讲|谈)")


def decide(
    text: str, scores: dict[str, float], kinds: dict[str, float] | None, limits: Thresholds
) -> Prediction:
    """The Prediction for a normalised text and the models' probabilities of it."""
    risk = assess(text, kinds, limits)
    asking = _asks_for_a_person(text, scores)
    if asking and risk.level == NONE and TALK_TO_SOMEONE.search(text):
        risk = Risk(POSSIBLE, "self_harm")
    if risk.kind == "self_harm":
        if not risk.urgent and asking:  # `我想跟真人说话`
            return _other("ask_worker", scores["ask_worker"], risk)  # the crisis line too
        return _report(text, CRISIS_CATEGORY, 1.0, (CRISIS_CATEGORY,), risk)
    plain = nonreport_intent(text)
    if plain and risk.level == "none":
        return Prediction(intent=plain, category=None, confidence=1.0)
    if not scores and risk.level == "none":
        intent = "vague" if any(ch.isalpha() for ch in text) else "chitchat"
        return Prediction(intent=intent, category=None, confidence=0.0)
    if scores and max(scores, key=scores.get) == "spam" and reports_advert(text):
        rest = max(1.0 - scores["spam"], 1e-9)  # "is this link a scam?" is a report
        scores = {k: 0.0 if k == "spam" else v / rest for k, v in scores.items()}
    ranked = sorted(CATEGORY_IDS, key=lambda c: -scores.get(c, 0.0))
    top = max(scores, key=scores.get) if scores else ranked[0]
    report_mass = sum(scores.get(c, 0.0) for c in CATEGORY_IDS)
    chat = top not in CATEGORY_IDS and not risk.urgent and report_mass < REPORT_MASS
    if chat and (len(text) < REPORT_LENGTH or top == "spam"):
        return _other(top, scores[top], risk)
    category, confidence = ranked[0], scores.get(ranked[0], 0.0)
    if confidence < (CHOICE_THRESHOLD if risk.urgent else 0.05) and risk.level != "none":
        category = DANGER_CATEGORY
    alternatives = (category, *(c for c in ranked if c != category))[:ALTERNATIVES]
    if not risk.urgent and _vague(text, confidence, scores.get(ranked[1], 0.0), report_mass):
        return _other("vague", confidence, risk)
    return _report(text, category, confidence, alternatives, risk)


def _asks_for_a_person(text: str, scores: dict[str, float]) -> bool:
    """A short message whose intent is plainly to reach a person: asking for someone to talk
    to is how a crisis may begin, so it is answered with who to reach and the crisis line,
    but only a danger told (risk urgent) makes it a crisis ticket."""
    asks = bool(scores) and max(scores, key=scores.get) == "ask_worker"
    return asks and len(text) < REPORT_LENGTH


def _vague(text: str, first: float, second: float, report_mass: float) -> bool:
    """Short, no duty likely, no two duties close, and the duties together unlikely too."""
    unsure = first < CHOICE_THRESHOLD and first + second < TORN_MASS
    return unsure and report_mass < REPORT_MASS and len(text) < REPORT_LENGTH


def _other(intent: str, confidence: float, risk: Risk) -> Prediction:
    return Prediction(
        intent=intent,
        category=None,
        confidence=round(confidence, 4),
        risk=risk.level,
        emergency_kind=risk.kind,
    )


def _report(
    text: str, category: str, confidence: float, alternatives: tuple[str, ...], risk: Risk
) -> Prediction:
    return Prediction(
        intent="report",
        category=category,
        confidence=round(confidence, 4),
        urgent=risk.urgent,
        must_attend=risk.urgent or rules.needs_attending(text, category),
        alternatives=alternatives,
        risk=risk.level,
        emergency_kind=risk.kind,
    )

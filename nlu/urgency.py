"""Is someone in danger now? The urgency model and the reviewed word lists, together.

The model (nlu/data/urgency: emergencies by kind against look-alikes) finds danger told by the
situation; the word lists find it by the words people shout. Either is enough, tuned for
recall; a past, hypothetical or solved danger (万一, 去年, 已经灭了) is lowered one step, and a
message the model is fairly sure of but no list names is "possible": its reply carries the
emergency line without raising the alarm. Self-harm is lowered only when told as past or
over ("if ..." is how a threat is made), and keeps its kind: the crisis line is always given.
Everyday hyperbole (累死了, 笑死我了) is never a crisis and never urgent by itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu import rules
from nlu.training import NOT_URGENT

URGENT, POSSIBLE, NONE = "urgent", "possible", "none"
LEVELS = (NONE, POSSIBLE, URGENT)
TOO_SHORT = 3  # letters at most in a message the model alone never finds a danger in
FALLBACK_KIND = "medical"  # "救命" with nothing else: an ambulance is the safest first line
# The danger behind the kind the lists name, when the model is at least SPECIFIC sure of it:
# trapped under rubble is a collapse (119), by water a flood; a fire lit by a live wire that
# felled someone, or a fall from a pole after a shock, is electric (cut the power first); a
# child pulled out of a water butt not breathing is drowning.
SPECIFIC = 0.5
BEHIND = {
    "trapped": rules.YIELDS_TO["trapped"],
    "fire": ("electric",),
    "medical": ("electric", "drowning", "violence"),
}
# ... and only when the text names what that danger is made of (他倒那了 is no electric shock).
TOLD_BY = {
    "electric": re.compile("电"),
    "drowning": re.compile("[水河塘湖井缸池海江溪渠]"),
    "collapse": re.compile("[塌倒垮埋压砸废墟墙房楼顶梁]"),
    "flood": re.compile("[水洪淹涨]"),
    "fire": re.compile("[火烟烧]"),
    "gas": re.compile("[气味]"),
    "violence": re.compile("[打砸砍捅踹掐揍殴]"),  # 满脸是血 after 被打了: 110 before 120
}


# The kinds an animal in trouble is taken for (a dog paddling, a bird stunned, a cow shocked).
ANIMAL_KINDS = ("drowning", "medical", "electric", "collapse")


@dataclass(frozen=True)
class Thresholds:
    """Chosen on 5-fold cross-validation of nlu/data/urgency (bench/nlu.py prints the result):
    recall first, then as few look-alikes urgent as that allows."""

    urgent: float = 0.4  # P(emergency) at or above which the model alone calls it urgent
    possible: float = 0.2  # ... possible
    veto: float = 0.03  # below this the model overrules a word-list hit, down to possible
    crisis: float = 0.3  # P(self_harm) at or above which the crisis line is given, urgent


@dataclass(frozen=True)
class Risk:
    level: str
    kind: str | None

    @property
    def urgent(self) -> bool:
        return self.level == URGENT


NO_RISK = Risk(NONE, None)


def assess(text: str, kinds: dict[str, float] | None, limits: Thresholds) -> Risk:
    """The risk of a normalised text; kinds are the urgency model's probabilities (None when
    there is no model or the text has no known feature)."""
    named = rules.emergency_kinds(text)
    if not named and rules.chat_intent(text):  # 在么, 谢谢: only a greeting or thanks
        return NO_RISK
    if not named and rules.letters(text) <= TOO_SHORT:  # 我是, 不在: no situation is told
        return NO_RISK
    if not named and not any(ch.isalpha() for ch in text):  # digits and symbols, however
        return NO_RISK  # many, tell no situation either (the kind model alone would guess one)
    kinds = kinds or {}
    p = 1.0 - kinds.get(NOT_URGENT, 1.0) if kinds else 0.0
    guessed = max((k for k in kinds if k != NOT_URGENT), key=kinds.get, default=None)
    listed = [kind for kind in named if kind != "help"]
    # Mostly an idiom the lists see through (累死了, 笑死我了, 气疯了): the model alone makes it
    # no crisis and no more than possible.
    idiom = not named and rules.mostly_idiom(text)
    # The model finds a crisis the lists do not name, unless an idiom speaks (笑死我了, ...);
    # where they name another kind (血止不住), only if the crisis is likelier than that.
    hyperbole = rules.has_idiom(text)
    crisis = not hyperbole and kinds.get("self_harm", 0.0) >= limits.crisis
    crisis = crisis and all(kinds["self_harm"] > kinds.get(k, 0.0) for k in listed)
    if "self_harm" in listed or crisis:
        return Risk(POSSIBLE if rules.crisis_over(text) else URGENT, "self_harm")
    if len(listed) > 1 and kinds:  # the lists name several kinds: the likeliest of them
        listed.sort(key=lambda kind: -kinds.get(kind, 0.0))
    listed = [k for k in listed if not set(rules.YIELDS_TO.get(k, ())) & set(listed)] or listed
    listed = _specific(listed[0], kinds, text) if listed else None
    if named:  # the model, sure there is no danger, overrules the lists (救命，APP登不上)
        level = 1 if kinds and p < limits.veto else 2
    else:
        level = 2 if p >= limits.urgent else 1 if p >= limits.possible else 0
    if hyperbole and guessed == "self_harm":  # 笑死我了: hyperbole, not a crisis
        return NO_RISK
    if not named and guessed in ("missing_person", "trapped") and rules.about_pet(text):
        level = min(level, 1)  # a dog that ran off, a cat stuck: no alarm
    kind = listed or guessed
    if kind in ANIMAL_KINDS and rules.animal_in_trouble(text):
        level = min(level, 1)  # the dog in the river, the cat hit by a car: no alarm
    if not named and guessed == "drowning" and rules.thing_in_water(text):
        level = min(level, 1)  # 手机掉河里了: no alarm
    if not named and guessed == "trapped" and rules.stuck_in_traffic(text):
        level = 0  # 困在高速上，堵车: no danger
    if level and not named and rules.fault_only(text):
        level -= 1  # 热水器打不着火: a fault the model took for a danger
    if level and (idiom or rules.not_now(text)):
        level -= 1
    if not level:
        return NO_RISK
    # A kind the model guessed but, sure there is no danger, would not stand by is no guide.
    guessed = guessed if p >= limits.possible else None
    return Risk(LEVELS[level], listed or guessed or FALLBACK_KIND)


def _specific(kind: str, kinds: dict[str, float], text: str) -> str:
    """The danger behind the kind named, when the model is sure of it and the text tells it."""
    behind = [
        k
        for k in BEHIND.get(kind, ())
        if kinds.get(k, 0.0) >= SPECIFIC and TOLD_BY[k].search(text)
    ]
    return behind[0] if behind else kind

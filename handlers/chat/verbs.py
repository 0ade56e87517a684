"""Staff chat commands: tolerant of full-width characters, extra spaces and a bare code."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from handlers.tickets.routing import CODE_PREFIX


@dataclass(frozen=True)
class Command:
    verb: str
    code: str = ""
    rest: str = ""


VERBS = {
    "接单": "accept",
    "到场": "arrive",
    "办结": "resolve",
    "转派": "transfer",
    "上报": "escalate",
    "退回": "give_back",
    "我的工单": "my_tickets",
    "工单": "show",
    "汇总": "summary",
    "超时": "overdue",
    "督办": "urge",
    "指派": "assign",
    "查户": "find_household",
    "户": "household",
    "采集": "collect",
    "开始巡查": "patrol_start",
    "巡查结束": "patrol_end",
    "结束巡查": "patrol_end",
    "巡查记录": "patrol_history",
    "走访记录": "visit_history",
    "走访": "visit",
    "通知": "notice",
    "控制台": "console",
    "帮助": "help",
    "help": "help",
    "?": "help",
}
NO_CODE = frozenset(
    {
        "my_tickets",
        "summary",
        "overdue",
        "help",
        "find_household",
        "patrol_start",
        "patrol_end",
        "patrol_history",
        "console",
    }
)
RAW_CODE = frozenset({"household", "visit", "visit_history"})  # household codes are taken as typed
AS_WRITTEN = frozenset({"notice"})  # the rest keeps its line breaks and spacing
CODE_WORD = re.compile(r"^(?:GB-?)?([0-9A-Z]{4,8})$")
# What may follow a command word (but a notice's): nothing, a space, a code typed against it,
# or a colon or comma; `户口本丢了怎么补办` is a question, not `户` with "口本丢了怎么补办".
AFTER_WORD = re.compile(r"$|[\s0-9a-z:：,，]")


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u3000", " ")
    return re.sub(r"\s+", " ", text).strip()


def parse(original: str) -> Command | None:
    """The verb and code are read leniently; the rest (a note, a reason) is kept as typed."""
    text = normalize(original)
    lowered = text.lower()
    for word, verb in sorted(VERBS.items(), key=lambda item: -len(item[0])):
        if lowered.startswith(word) and (
            verb in AS_WRITTEN or AFTER_WORD.match(lowered, len(word))
        ):
            arguments = text[len(word) :].strip()
            if verb not in AS_WRITTEN:
                arguments = arguments.lstrip(":：,，").strip()
            return _with_arguments(verb, arguments, original)
    return None


def _with_arguments(verb: str, arguments: str, original: str) -> Command:
    if verb in AS_WRITTEN:
        return Command(verb=verb, rest=_after_verb(original, arguments))
    if verb in NO_CODE:
        return Command(verb=verb, rest=_as_typed(original, arguments))
    first, _, rest = arguments.partition(" ")
    code = first if verb in RAW_CODE else normalize_code(first)
    return Command(verb=verb, code=code, rest=_as_typed(original, rest))


def _as_typed(original: str, rest: str) -> str:
    """`rest` as the user typed it (full-width punctuation and all), from the original text."""
    if not rest:
        return ""
    words = re.split(r"\s+", original.strip())
    typed = " ".join(words[len(words) - len(rest.split(" ")) :])
    return typed if normalize(typed) == rest else rest


def _after_verb(original: str, arguments: str) -> str:
    """What follows the verb exactly as written, line breaks and all (else `arguments`)."""
    typed = original.strip()
    for word in VERBS:
        after = typed[len(word) :].strip()
        if typed.startswith(word) and normalize(after) == arguments:
            return after
    return arguments


def normalize_code(word: str) -> str:
    match = CODE_WORD.match(word.upper())
    return CODE_PREFIX + match.group(1) if match else word.upper()

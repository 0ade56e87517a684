"""Emergencies (call 119/110/120 now) and 六必到 must-attend cases, as reviewed word lists.

Rules, not the model, decide urgency: a missed emergency is the one mistake we cannot afford,
and a list can be read, argued about and corrected by the people who answer the phone.
"""

from __future__ import annotations

import re

EMERGENCY_PATTERNS = {
    "fire": r"(着火|起火|失火|火灾(?!隐患)|烧起来|烧着了|火苗|大火|冒(浓|黑)?烟.{0,6}(火|烧)"
    r"|火(很|好|特别)?大|火势|爆炸|炸了)",
    "gas": r"((煤气|燃气|天然气|液化气).{0,6}(泄漏|泄露|漏了|漏气|味(道)?(很|好|特别)?(大|重|浓))"
    r"|闻到.{0,4}(煤气|燃气|天然气)味?)",
    "weapon": r"(持刀|拿(着)?刀|提(着)?刀|动刀|砍人|砍伤|捅人|捅伤|刀伤|持械"
    r"|拿(着)?(棍子|铁棍|砍刀).{0,4}(打|追)|枪)",
    "collapse": r"(晕倒|昏倒|倒地不起|昏迷|不省人事|叫不醒|没(了)?呼吸|没有(了)?心跳|抽搐|口吐白沫"
    r"|摔倒.{0,4}(起不来|不动)|(人|老人|老太|老头|大爷|大妈|孩子|小孩).{0,6}倒在(地上|路边|路上))",
    "drowning": r"(溺水|(人|孩子|小孩|老人).{0,4}落水|落水了|掉(进|到)?(河|水|塘|湖|井)里"
    r"|掉进(了)?(河|水塘|池塘|湖|井)|有人.{0,4}淹)",
    "trapped": r"(被困|困在|困住|关在电梯|卡在电梯|电梯.{0,4}(困人|关人|卡住了人)|埋(在|了)人"
    r"|压在下面|出不来了)",
    "suicide": r"(自杀|轻生|跳楼|跳河|寻死|不想活|割腕|喝(了)?农药|上吊|想不开.{0,6}(死|跳))",
}
MUST_ATTEND_PATTERNS = {
    "emotion": r"(情绪(激动|失控|异常|不稳)|哭闹|崩溃|想不开|发病|犯病|精神(异常|不正常))",
    "sudden_change": r"(突发|意外|去世|病危|住院|出事了|塌了|倒塌|被烧|遭灾|断了生活来源)",
    "dispute": r"(纠纷|吵架|打架|争执|闹矛盾|冲突|骂起来|打起来|动手)",
    "illegal": r"(违法|偷|盗|诈骗|赌博|吸毒|贩毒|传销|非法|卖淫|高利贷)",
    "hazard": r"(隐患|危险|漏电|裂缝|倾斜|飞线|塌陷|摇摇欲坠|快塌)",
}
MUST_ATTEND_CATEGORIES = frozenset({"dispute_mediation"})

_EMERGENCY = {name: re.compile(pattern) for name, pattern in EMERGENCY_PATTERNS.items()}
_MUST_ATTEND = {name: re.compile(pattern) for name, pattern in MUST_ATTEND_PATTERNS.items()}


def emergency_kinds(text: str) -> list[str]:
    return [name for name, pattern in _EMERGENCY.items() if pattern.search(text)]


def is_urgent(text: str) -> bool:
    return bool(emergency_kinds(text))


def is_must_attend(text: str, category: str | None) -> bool:
    if is_urgent(text) or category in MUST_ATTEND_CATEGORIES:
        return True
    return any(pattern.search(text) for pattern in _MUST_ATTEND.values())

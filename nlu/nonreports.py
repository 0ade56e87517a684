"""Messages that are not reports, told by their shape before any model reads them.

Only the plain cases live here (nothing but digits or emoji, a link with an advert, asking for
a person, a bare "I have a problem"); the classifier learns the rest from nlu/data.
"""

from __future__ import annotations

import re

from nlu import rules
from nlu.normalise import LINK

_EMOTICONS = re.compile(r"^(\[[\u4e00-\u9fffa-z]{1,6}\]|/:\S{1,8}|\s)+$", re.I)
_ADVERT = re.compile(
    r"红包|领取|点击|优惠|兼职|加(我)?(微信|微|v|vx|qq)|免费领|中奖|返利|代理|招商|日赚|刷单|"
    r"贷款|代开|发票|秒到|低息|限时|扫码|推广|进群|私聊|福利|特价|砍一刀|助力",
    re.I,
)
_REPORTING_IT = re.compile(r"骗|举报|报警|是不是|真的吗|可疑|被|收到|有人发|冒充")
_MISTAKE = re.compile(r"(发错|打错|点错|按错|不小心发)")
_ASK_WORKER = re.compile(
    r"转人工|人工(客服|服务)|(找|要)(个)?真人|真人(客服|回复)|人呢|"
    r"(怎么|咋|为什么|为啥)(还|都)?没(有)?人(回|理|搭理|管我)|没人回(复|我)|"
    r"有(没有)?人(回|理)(我|一下)|(找|联系|叫)(一下)?(我们|俺)?(的)?网格员|"
    r"网格员(是谁|电话|在哪|怎么联系)"
)
_PARTICLES = re.compile(r"[啊呀吧呢哈嘛吗哦喔~!?,.。…、\s]+$")
_VAGUE = re.compile(
    r"^(我|俺|咱)?(这|这边|这里)?(有|想|要)?(个|一个|点|件)?(小)?(问题|事|事情|情况)"
    r"(要|想)?(问|反映|咨询|说|讲|报告|请教)?(一下)?$|"
    r"^(我|俺|咱)?(要|想)(反映|投诉|举报|咨询|报告|说|问|请教|报)(个|一个|一下|点|件)?"
    r"(情况|问题|事|事情)?(一下)?$|"
    r"有点那个|你懂的|怎么说呢|不知道怎么说|说不清楚"
)
SHORT = 25  # asking for a person or saying nothing yet is short; a longer message may report


def nonreport_intent(text: str) -> str | None:
    """An intent for a normalised text that is plainly no report, else None."""
    if not any(ch.isalpha() for ch in text) or _EMOTICONS.match(text):
        return "chitchat"  # digits, symbols, emoji: a rating only when one is pending
    if _is_advert(text):
        return "spam"
    chat = rules.chat_intent(text)
    if chat:
        return chat
    if len(text) > SHORT:
        return None
    if _MISTAKE.search(text):
        return "chitchat"
    if _ASK_WORKER.search(text):
        return "ask_worker"
    if _VAGUE.search(_PARTICLES.sub("", text)):
        return "vague"
    return "query_status" if rules.asks_progress(text) else None


def _is_advert(text: str) -> bool:
    adverts = len(_ADVERT.findall(text)) + 2 * text.count(LINK)
    return adverts >= 2 and not reports_advert(text)


def reports_advert(text: str) -> bool:
    """The resident tells of a scam or an advert they received: a report, not spam."""
    return bool(_REPORTING_IT.search(text))

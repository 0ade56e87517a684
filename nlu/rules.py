"""Emergencies (call 119/110/120 now) and 六必到 must-attend cases, as reviewed word lists.

The lists and the urgency model (nlu.urgency) decide together: a missed emergency is the one
mistake we cannot afford, and a list can be read, argued about and corrected by the people who
answer the phone; the model finds danger told by the situation, in words no list holds.
"""

from __future__ import annotations

import re

PERSON = (
    "("
    + "|".join(
        (
            "人",
            "老人",
            "老太",
            "老头",
            "大爷",
            "大妈",
            "阿姨",
            "孩子",
            "小孩",
            "娃",
            "学生",
            "小伙",
            "姑娘",
            "女的",
            "男的",
            "司机",
            "骑手",
        )
    )
    + ")"
)
# Each entry: alternatives, any of which marks the message as that kind of emergency. "help"
# names no kind: the urgency model chooses it.
EMERGENCY_WORDS = {
    "fire": (
        r"(?<![不没])着火",
        r"起火",
        r"失火",
        r"火灾(?!隐患)",
        r"烧起来",
        r"烧着了",
        r"火苗",
        r"大火",
        r"火势",
        r"自燃",
        r"爆炸",
        r"炸了",
        r"(屋|房|楼|窗|车|厨房|仓库|车库).{0,6}冒(黑|浓)?烟",
        r"火(很|好|特别)?大",
        r"火.{0,4}(蔓延|窜|烧到|烧上)",
        r"烧到.{0,3}[一二三四五六七八九十两\d]+楼",
        r"(浓|黑)烟.{0,10}(人|出不来|没人(应|开)|敲门|喊)",
        r"(屋|房|楼|店|棚|车|仓库)(子)?(着了|烧了|在烧|烧着)",
        r"呼呼地烧",
    ),
    "gas": (
        r"(煤气|燃气|天然气|液化气|沼气)(罐|管|管道|灶)?.{0,6}(泄漏|泄露|漏了|漏气|断了|挖断|爆|"
        r"味(道)?(很|好|特别)?(大|重|浓|冲))",
        r"闻到.{0,4}(煤气|燃气|天然气)",
        r"(煤气|燃气|天然气)(的)?(味|气味)",
        r"臭鸡蛋味",
        r"(煤气|燃气|天然气)管.{0,4}(钻|挖|弄|打|撞)(穿|破|断)",
        r"开了煤气.{0,4}不点火",
        r"(气味|味道).{0,10}(头晕|想吐|恶心|昏)",
    ),
    "violence": (
        r"持刀",
        r"拿(着)?刀",
        r"提(着)?刀",
        r"动刀",
        r"砍人",
        r"砍伤",
        r"捅人",
        r"捅伤",
        r"捅刀",
        r"持械",
        r"开枪",
        r"持枪",
        r"拿(着)?枪",
        r"拿(着)?(棍子|铁棍|砍刀|棒子|砖头).{0,4}(打|追|砸)",
        r"汽油.{0,10}(点|烧)",
        r"要把.{0,8}(点了|烧了|炸了)",
        r"有人(在)?打人",
        r"打人了",
        r"(又|在|正在|往死里)打(我|人|孩子|老婆|她|他)",
        r"家暴",
        r"抢劫",
        r"要杀(了)?(我|人|他|她)",
        r"掐(我|她|他)?(的)?脖子",
        r"(围殴|群殴|围着打)",
        r"(在|正在|又)打(一个|孩子|我妈|我爸|老婆|学生)",
        r"要打(我|她|他|人|我妈)",
        r"又.{0,6}动手",
        r"闯进(我)?家",
    ),
    "medical": (
        r"晕倒",
        r"昏倒",
        r"倒地",
        r"昏迷",
        r"不省人事",
        r"叫不醒",
        r"叫不应",
        r"没(了)?呼吸",
        r"没有(了)?心跳",
        r"抽搐",
        r"口吐白沫",
        r"一动不动",
        r"不动了",
        r"摔倒.{0,4}(起不来|不动)",
        rf"{PERSON}.{{0,6}}(倒|躺)在(地上|路边|路上|血)",
        r"撞飞",
        r"车祸.{0,10}(人|伤|血)",
        r"中毒",
        r"烧伤",
        r"头破血流",
        r"头(摔|打|撞)破",
        r"摔下来",
        r"流(了)?(好多|很多|一地|不少)血",
        r"血流不止",
        r"血止不住",
        r"流血不止",
        r"在流血",
        r"满(脸|身|头)(是)?血",
        r"刀伤",
        r"喘不(上|过)气",
        r"心脏病.{0,2}(犯|发作)",
        r"(中风|脑溢血|大出血)",
        r"头上(全)?是血",
        r"(撞|砸)(了|倒|伤)(人|了人)",
        r"(人|身子)(吊|挂)在(半空|外面)",
    ),
    "electric": (
        r"触电",
        r"电(到|倒)(了)?(人|他|她)",
        r"被电(到|倒|了)",
        r"(碰|摸|抓)(到)?(了)?.{0,4}电线.{0,8}(不动|倒|晕)",
        r"(麻了一下|电了一下)",
        r"(带电|漏电).{0,8}(摔倒|倒下|不动)",
    ),
    "drowning": (
        r"溺水",
        rf"{PERSON}.{{0,4}}落水",
        r"落水了",
        r"掉(进|到)?(了)?(河|水|塘|湖|井|窨井|粪坑|池塘)(里)?",
        r"有人.{0,4}淹",
        r"扑腾",
        r"往下沉",
        r"沉下去",
        r"漂着.{0,4}人",
        r"水里.{0,4}抽筋",
        r"滑下去",
    ),
    "trapped": (
        r"被困",
        r"困在",
        r"困住",
        r"关在电梯",
        r"关着(人|一个人|孩子)",
        r"卡在电梯",
        r"电梯.{0,8}(困人|关人|卡住)",
        r"卡住了.{0,10}(人|我们)",
        r"出不来",
        r"爬不上来",
        r"(车|屋|房)(上|里)还有人",
    ),
    "collapse": (
        r"(房子|房|墙|楼|屋顶|房顶|天花板|棚|屋)(子)?.{0,4}(塌了|倒了|塌下来|垮了|倒塌)",
        r"埋(在|了)人",
        r"压住",
        r"压在下面",
        r"(裂|塌).{0,10}(人在里面|里面有人|还有人)",
        r"(随时|马上)要(倒|塌)",
        r"塌了(个|一个)?(大)?坑",
        r"(楼|房)(子)?在晃",
    ),
    "flood": (
        r"水(已经)?(淹|漫|灌)(到|进|了).{0,6}(腰|胸|脖子|屋|家|一楼|二楼|车)",
        r"被(洪)?水(围|困)",
        r"洪水",
        r"山洪",
        r"泥石流",
        r"发大水",
        r"淹(没|着)了",
        r"(决口|决堤|泄洪)",
        r"(一楼|屋里|家里|院子|车).{0,4}(全)?(泡了|淹了)",
        r"(冲走|卷走)(了)?(一个)?人",
    ),
    "missing_person": (
        r"(孩子|小孩|娃|儿子|女儿|闺女|孙子|孙女|老人|老爷子|老太太|爸|妈|老伴)"
        r".{0,4}(走丢|不见了|找不到了|失踪|没回家|一直没回来|联系不上)",
        r"(孩子|小孩|娃|老人)(给|被)?(弄)?丢了",
        r"走失",
        r"被(陌生人|人)(带走|抱走|拐)",
        r"跟(一个)?(陌生|不认识).{0,6}走了",
        r"拐(走|卖)",
        r"(出去|出门|走了).{0,12}(没回来|没回家|还没回|不见了|没了影|找不到)",
        r"(没了影|没影了|人找不到了|找遍了)",
        r"(被|让).{0,8}接走了?.{0,12}(没有|不认识|没人)",
    ),
    "self_harm": (
        r"自杀",
        r"轻生",
        r"跳楼(?!价|甩卖|大甩卖)",
        r"跳河",
        r"寻死",
        r"寻短见",
        r"不想活",
        r"活不下去",
        r"想死(?!你|了你)",
        r"死了算了",
        r"割(了)?(手)?腕",
        r"(吃|吞|喝)(了)?.{0,6}(安眠药|老鼠药|敌敌畏|百草枯)",
        r"遗书",
        r"(人生|活着)(没有|没)(意义|意思|盼头)",
        r"(今晚|今天|现在)就?去死",
        r"(站|坐)在(天台|楼顶|窗台|桥|阳台)(的)?(边|外|栏杆)",
        r"给自己准备了?(绳子|农药|安眠药)",
        r"对不起(大家|所有人).{0,12}(打不通|联系不上|关机|不回)",
        r"这辈子就这样",
        r"(?<!误)喝(了)?农药",
        r"上吊",
        r"烧炭",
        r"要了结",
        r"了结自己",
        r"结束(自己的)?生命",
        r"一了百了",
        r"往下跳",
        r"栏杆外",
        r"挂了绳子",
        r"想不开.{0,6}(死|跳)",
    ),
    "help": (
        r"救命",
        r"快救人",
        r"快找人",
        r"快来人",
        r"快叫救护车",
        r"叫救护车",
        r"打120",
        r"快来救",
        r"快报警",
        r"出人命",
    ),
}
EMERGENCY_KINDS = tuple(kind for kind in EMERGENCY_WORDS if kind != "help")
# Words that put the danger in a hypothetical, a worry or a hazard, in the past, or say it is
# over. The first two lower the risk one step unless a word of the present says it is
# happening now; a danger said to be over is lowered whatever else is said.
IF_WORDS = (
    r"万一",
    r"要是",
    r"如果",
    r"假如",
    r"假设",
    r"若是",
    r"倘若",
    r"以防",
    r"预防",
    r"防止",
    r"担心",
    r"害怕",
    r"怕(是)?会",
    r"会不会",
    r"隐患",
    r"演练",
    r"新闻",
    r"梦见",
    r"应该(怎么|咋)",
)
PAST_WORDS = (
    r"上周",
    r"上星期",
    r"上礼拜",
    r"上个月",
    r"前年",
    r"去年",
    r"以前",
    r"之前",
    r"早年",
    r"当年",
    r"那年",
    r"曾经",
    r"小时候",
    r"(几|多|两|三|十)年前",
    r"前几年",
    r"前段时间",
    r"前阵子",
    r"那时候",
)
OVER_WORDS = (
    r"已经(被)?(灭了|扑灭|救出来|救过来|救回来|送(到|去)?医院|找到了|没事|出来了|拉走|接走|接回|修好)",
    r"人(都)?没事",
    r"没伤着",
    r"没(有)?砸到人",
    r"幸好",
    r"找回来了",
    r"现在(好多了|挺好|没事了|灭了|来电了)",
    r"虚惊一场",
)
NOW_WORDS = (
    r"万一",
    r"要是",
    r"如果",
    r"假如",
    r"假设",
    r"若是",
    r"倘若",
    r"以防",
    r"预防",
    r"防止",
    r"担心",
    r"害怕",
    r"怕(是)?会",
    r"会不会",
    r"隐患",
    r"上周",
    r"上星期",
    r"上个月",
    r"前年",
    r"去年",
    r"以前",
    r"之前",
    r"早年",
    r"当年",
    r"那年",
    r"曾经",
    r"小时候",
    r"(几|多|两|三|十)年前",
    r"前几年",
    r"那时候",
    r"已经(灭了|扑灭|救出来|送(到|去)?医院|找到了|没事)",
    r"演练",
    r"新闻",
)
NOW_WORDS = (
    r"现在",
    r"正在",
    r"还在",
    r"马上",
    r"赶紧",
    r"快来",
    r"救命",
    r"刚才",
    r"刚刚",
    r"此刻",
    r"还没(找到|回来|出来|灭)",
)
MUST_ATTEND_WORDS = {
    "emotion": (
        r"情绪(激动|失控|异常|不稳)",
        r"哭闹",
        r"崩溃",
        r"想不开",
        r"发病",
        r"犯病",
        r"精神(异常|不正常)",
    ),
    "sudden_change": (
        r"突发",
        r"意外",
        r"去世",
        r"病危",
        r"住院",
        r"出事了",
        r"塌了",
        r"倒塌",
        r"被烧",
        r"遭灾",
        r"断了生活来源",
    ),
    "dispute": (
        r"纠纷",
        r"吵架",
        r"打架",
        r"争执",
        r"闹矛盾",
        r"冲突",
        r"骂起来",
        r"打起来",
        r"动手",
    ),
    "illegal": (
        r"违法",
        r"偷",
        r"盗",
        r"诈骗",
        r"赌博",
        r"吸毒",
        r"贩毒",
        r"传销",
        r"非法",
        r"卖淫",
        r"高利贷",
    ),
    "hazard": (
        r"隐患",
        r"危险",
        r"漏电",
        r"裂缝",
        r"倾斜",
        r"飞线",
        r"塌陷",
        r"摇摇欲坠",
        r"快塌",
    ),
}
MUST_ATTEND_CATEGORIES = frozenset({"dispute_mediation"})
# Whole messages that are only a greeting or thanks (typos and net slang included).
CHAT_WORDS = {
    "greet": (
        r"你好",
        r"您好",
        r"你们好",
        r"在吗",
        r"在么",
        r"在不在",
        r"在马",
        r"在嘛",
        r"有人吗",
        r"有人在吗",
        r"hello",
        r"hi",
        r"哈喽",
        r"嗨",
        r"早",
        r"早上好",
        r"上午好",
        r"中午好",
        r"下午好",
        r"晚上好",
    ),
    "thanks": (
        r"谢谢",
        r"谢谢你",
        r"谢谢你们",
        r"谢了",
        r"多谢",
        r"感谢",
        r"感谢感谢",
        r"辛苦了",
        r"辛苦",
        r"3q",
        r"thx",
        r"thanks",
        r"thank you",
        r"好的谢谢",
        r"好的，谢谢",
        r"麻烦了",
        r"麻烦你们了",
    ),
}


def _compile(words: dict[str, tuple[str, ...]], template: str = "{}", flags: int = 0) -> dict:
    return {
        name: re.compile(template.format("(" + "|".join(alts) + ")"), flags)
        for name, alts in words.items()
    }


_EMERGENCY = _compile(EMERGENCY_WORDS)
_MUST_ATTEND = _compile(MUST_ATTEND_WORDS)
_IF = re.compile("|".join(IF_WORDS))
_PAST = re.compile("|".join(PAST_WORDS))
_OVER = re.compile("|".join(OVER_WORDS))
_NOW = re.compile("|".join(NOW_WORDS))
_CHAT = _compile(CHAT_WORDS, r"^{}[啊呀呢哈吗嘛～~!！。.,，\s]*$", re.IGNORECASE)


# A question about the resident's own earlier case: "我上次报的…修了没", "我交的材料通过了没".
_OWN_CASE = re.compile(
    r"我(们)?(上次|之前|前几天|前天|昨天|上周|交的|报的|反映的|提交的|申请的|问的)"
)
_PROGRESS = re.compile(
    r"(了没|了吗|没有[？?]?$|怎么样了|进展|进度|结果|到哪|什么时候|啥时候|有回复)"
)


def asks_progress(text: str) -> bool:
    return bool(_OWN_CASE.search(text) and _PROGRESS.search(text)) and len(text) <= 40


def chat_intent(text: str) -> str | None:
    """'greet' or 'thanks' when the whole message is just that, else None."""
    stripped = text.strip()
    return next((name for name, pattern in _CHAT.items() if pattern.match(stripped)), None)


def emergency_kinds(text: str) -> list[str]:
    """The kinds whose words the text holds ("help" when it only cries for help)."""
    return [name for name, pattern in _EMERGENCY.items() if pattern.search(text)]


def not_now(text: str) -> bool:
    """Hypothetical, a worry, past (unless a word says it is happening now), or over."""
    if _OVER.search(text):
        return True
    return bool(_IF.search(text) or _PAST.search(text)) and not _NOW.search(text)


def crisis_over(text: str) -> bool:
    """A crisis told as past or over; "if ..." is how threats are made: it stays a crisis."""
    return bool(_OVER.search(text) or (_PAST.search(text) and not _NOW.search(text)))


def rule_risk(text: str) -> tuple[str, str | None]:
    """Risk and kind from the word lists alone (the keyword and Rasa backends)."""
    kinds = emergency_kinds(text)
    if not kinds:
        return "none", None
    kind = next((k for k in kinds if k != "help"), None)
    if kind == "self_harm":
        return ("possible" if crisis_over(text) else "urgent"), kind
    return ("possible" if not_now(text) else "urgent"), kind or "medical"


def is_urgent(text: str) -> bool:
    return rule_risk(text)[0] == "urgent"


def is_must_attend(text: str, category: str | None) -> bool:
    return is_urgent(text) or needs_attending(text, category)


def needs_attending(text: str, category: str | None) -> bool:
    """六必到 by the duty or the words, urgency aside."""
    if category in MUST_ATTEND_CATEGORIES:
        return True
    return any(pattern.search(text) for pattern in _MUST_ATTEND.values())

"""The NLU rules alone (nlu/rules.py): urgency, must-attend and chit-chat are decided by words,
not by the trained model, so they hold whatever the model says. The trained classifier as a
whole: tests/integration/test_nlu.py; the emergency reply over HTTP: tests/e2e/test_reports.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu import rules

DATA = Path(__file__).resolve().parents[1] / "data"


def lines(name: str) -> list[str]:
    return [line for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line]


def test_every_emergency_is_flagged_urgent():
    missed = [text for text in lines("nlu_emergencies.txt") if not rules.is_urgent(text)]
    assert missed == []


def test_at_most_five_percent_of_ordinary_reports_are_flagged_urgent():
    ordinary = lines("nlu_ordinary.txt")
    flagged = [text for text in ordinary if rules.is_urgent(text)]
    assert len(flagged) <= 0.05 * len(ordinary), flagged


def test_an_emergency_is_must_attend_whatever_its_category():
    for text in lines("nlu_emergencies.txt"):
        assert rules.is_must_attend(text, None), text


def test_emergencies_are_reports_even_when_they_sound_like_chat():
    assert rules.chat_intent("你好，隔壁着火了") is None
    assert rules.is_urgent("你好，隔壁着火了")


@pytest.mark.parametrize("text", ["你好", "您好！", "谢谢", "谢谢啊～"])
def test_a_message_that_is_only_a_greeting_or_thanks_is_chat(text):
    assert rules.chat_intent(text) in ("greet", "thanks")


def test_disputes_and_hazards_are_must_attend():
    assert rules.is_must_attend("楼上楼下因为漏水吵起来了，都要动手了", "dispute_mediation")
    assert rules.is_must_attend("楼道里有人飞线充电，隐患太大了", None)
    assert not rules.is_must_attend("想问问养老金认证怎么弄", "public_service")


def test_a_dispute_is_must_attend_by_its_category_alone():
    assert rules.is_must_attend("邻居之间有点小矛盾", "dispute_mediation")


def test_a_question_about_ones_own_case_asks_for_progress():
    assert rules.asks_progress("我上次报的路灯修了没")
    assert not rules.asks_progress("路灯坏了")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("电梯困人了，在3号楼，里面有个老太太", "trapped"),
        ("电梯停在两层中间，门打不开，我和孩子在里面", "trapped"),
        ("楼下有个老人摔倒了躺在地上不动，叫他也没反应", "medical"),
        ("路口一个骑电动车的被渣土车刮倒了，压到腿了", "medical"),
        ("有个孩子坐在阳台栏杆上，家里没大人", "medical"),
        ("有个人碰了那根掉下来的电线，倒在地上不动了", "electric"),
        ("我家老头有老年痴呆，早上自己开门跑出去了", "missing_person"),
        ("孩子被一个不认识的阿姨领走了", "missing_person"),
        ("隔壁那栋楼整个往这边斜，墙裂开了，还有人在里面", "collapse"),
        ("活着真没意思，药都准备好了", "self_harm"),
        ("猫我已经托付给朋友了，以后不用再为我操心了", "self_harm"),
    ],
)
def test_a_danger_told_by_the_situation_is_urgent_with_its_kind(text, kind):
    assert rules.rule_risk(text) == ("urgent", kind)


@pytest.mark.parametrize(
    "text",
    [
        "我爷爷有点糊涂了，想给他办个防走失的定位卡",
        "刚才厨房锅着了一下，盖上锅盖就灭了，没事了",
        "煤气味已经没了，燃气公司的人来看过了",
        "上次电梯困人那事物业到现在也没个说法",
        "梦到家里着火了，吓醒了",
        "我不想活在这种脏乱差的小区里了，垃圾天天没人收",
        "有人从窗户上吊根电线下来给电动车充电",
        "好久不见，想死你们了",
        "我快被这个房贷压垮了",
        "药都准备好了，明天带我妈去医院复查",
        "恁说气人不气人，隔壁又把垃圾倒俺门口了，俺气炸了",
        "演习 不是真着火",
        "明天上午消防演习，楼里会放烟雾",
        "俺在电视上看见外省发大水了，淹了好多村子，俺们这的河堤结实不",
        "恁看昨晚那个法制节目没，一个男的拿刀砍了邻居，俺们村也有个爱喝酒闹事的",
        "网上说隔壁县有个小孩掉进井里了，咱们村的井有人管吗",
        "俺爹晌午出去没回来，找着了，在村委会跟人唠嗑呢",
        "阿爺成朝冇返屋企，我哋頭先喺公園搵返佢喇",
    ],
)
def test_a_past_resolved_or_harmless_look_alike_raises_no_alarm(text):
    assert rules.rule_risk(text)[0] != "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "厨房的煤气炸了，我妈在里面",
        "我家楼下着火了，都要烧到三楼了",
        "我正在看电视，突然闻到烟味，楼下着火了，火很大",
        "我家孩子走丢了，到现在还没找着，他才五岁",
    ],
)
def test_the_anger_idiom_does_not_hide_a_gas_explosion_or_a_fire(text):
    assert rules.rule_risk(text)[0] == "urgent"


def test_a_crisis_in_a_story_or_asked_about_for_others_keeps_the_crisis_line_without_alarm():
    assert rules.rule_risk("万一真有人想自杀，有没有心理热线") == ("possible", "self_harm")
    assert rules.rule_risk("新闻里说有人跳河被救了") == ("possible", "self_harm")


def test_every_idiom_is_seen_past_the_quick_hint():
    assert rules.has_idiom("笑不活了，我妈把洗衣液当洗洁精洗碗了")
    assert rules.has_idiom("俺气炸了")
    assert rules.has_idiom("天天加班，烦得我想跳楼")
    assert rules.has_idiom("屋里热得像蒸笼一样")

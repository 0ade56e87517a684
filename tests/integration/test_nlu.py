"""The classifier on text it was not trained on: duties, emergencies, chit-chat, bad input."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from nlu import rules
from nlu.categories import CATEGORY_IDS, OTHER_INTENTS
from nlu.embedded import EmbeddedClassifier
from nlu.evaluation import evaluate, label_of
from nlu.normalise import pinyin_pairs
from nlu.training import load_examples, load_urgency_examples
from tests.conftest import embedded_classifier

DATA = Path(__file__).resolve().parents[1] / "data"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def lines(name: str) -> list[str]:
    return [line for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line]


def holdout() -> list[tuple[str, str]]:
    return [tuple(line.split("\t", 1)) for line in lines("nlu_holdout.tsv")]


@pytest.fixture(scope="module")
def classifier() -> EmbeddedClassifier:
    return embedded_classifier()


def test_reports_written_apart_from_training_score_at_least_090_macro_f1(classifier):
    report = evaluate(classifier, holdout())
    duty_f1 = float(report.split("macro-F1 (eight duties): ")[1].split()[0])
    assert duty_f1 >= 0.90, report


def test_every_emergency_is_flagged_urgent(classifier):
    missed = [text for text in lines("nlu_emergencies.txt") if not classifier.predict(text).urgent]
    assert missed == []


def test_at_most_five_percent_of_ordinary_reports_are_flagged_urgent(classifier):
    ordinary = lines("nlu_ordinary.txt")
    flagged = [text for text in ordinary if classifier.predict(text).urgent]
    assert len(flagged) <= 0.05 * len(ordinary), flagged


def test_emergencies_are_reports_even_when_they_sound_like_chat(classifier):
    prediction = classifier.predict("你好，隔壁着火了")
    assert prediction.is_report and prediction.urgent and prediction.must_attend


def test_greetings_thanks_and_questions_open_no_ticket(classifier):
    chat = [text for label, text in holdout() if label in OTHER_INTENTS and label != "ask_service"]
    assert [text for text in chat if classifier.predict(text).is_report] == []


def test_most_questions_how_to_do_an_errand_are_answered_not_filed(classifier):
    questions = [text for label, text in holdout() if label == "ask_service"]
    filed = [text for text in questions if classifier.predict(text).is_report]
    assert len(filed) <= 0.2 * len(questions), filed  # filed, they are public_service work


def test_disputes_and_hazards_are_must_attend(classifier):
    assert classifier.predict("楼上楼下因为漏水吵起来了，都要动手了").must_attend
    assert classifier.predict("楼道里有人飞线充电，隐患太大了").must_attend
    assert not classifier.predict("想问问养老金认证怎么弄").must_attend


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😀😀😀",
        "？？！！。。",
        "\x00\x07\x1b[31m",
        "a" * 10_000,
        "垃圾" * 5_000,
        "Hello 你好 Привет مرحبا",
        "小区垃圾 garbage ゴミ 쓰레기 🗑️" * 400,
        "楼道\u200b灯\u202e坏了\ufeff",
        "\ud800",
    ],
)
def test_odd_input_gets_an_answer_not_a_crash(classifier, text):
    prediction = classifier.predict(text)
    assert prediction.intent in (*OTHER_INTENTS, "report")
    assert prediction.category in (*CATEGORY_IDS, None)
    assert prediction.risk in ("urgent", "possible", "none")
    assert 0.0 <= prediction.confidence <= 1.0


@pytest.mark.parametrize(
    "text", ["", "   ", "😀😀😀", "？？！！。。", "\x00\x07\x1b[31m", "[捂脸]"]
)
def test_nothing_to_read_opens_no_ticket(classifier, text):
    assert not classifier.predict(text).is_report


@pytest.mark.parametrize(
    "text", ["1", "3", "5", "10", "０", "3。", " 2 ", "１２３", "1 " * 100, "2-" * 3000]
)
def test_a_bare_digit_is_chitchat_never_a_ticket(classifier, text):
    prediction = classifier.predict(text)
    assert (prediction.intent, prediction.risk) == ("chitchat", "none")


def test_a_very_long_message_is_still_read_as_a_report(classifier):
    prediction = classifier.predict("小区门口的垃圾堆了好几天没人清理，臭气熏天。" * 500)
    assert prediction.is_report and prediction.category == "environment"


@pytest.mark.parametrize("text", ["我不想活了", "活着没意思，不想活了", "我想从楼上跳下去"])
def test_a_suicide_threat_is_an_urgent_crisis_for_the_grid_worker(classifier, text):
    p = classifier.predict(text)
    assert (p.intent, p.category, p.emergency_kind) == (
        "report",
        "special_population",
        "self_harm",
    )
    assert p.urgent and p.must_attend and p.risk == "urgent"


@pytest.mark.parametrize(
    "text, kind",
    [
        ("孩子走丢了", "missing_person"),
        ("老公又打我了", "violence"),
        ("快来人啊，有人打人", "violence"),
        ("隔壁楼着火了，火已经烧到二楼了", "fire"),
        ("楼梯间一股很冲的煤气味", "gas"),
        ("有个小孩掉进池塘里了", "drowning"),
    ],
)
def test_danger_now_is_urgent_with_its_kind(classifier, text, kind):
    p = classifier.predict(text)
    assert p.is_report and p.urgent and p.emergency_kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "活着太累了，我只想解脱",
        "安眠药我已经攒够了",
        "我唔想再活",
        "我想自殺，你們別找我",
        "下辈子再见了，爸妈",
        "我在大桥栏杆边上，想跳下去",
        "我用刀片划了自己好几道",
    ],
)
def test_veiled_dialect_and_traditional_suicide_talk_is_an_urgent_crisis(classifier, text):
    p = classifier.predict(text)
    assert (p.risk, p.emergency_kind, p.category) == ("urgent", "self_harm", "special_population")


@pytest.mark.parametrize(
    "text", ["累死了", "笑死我了", "气死我了", "热死了", "烦死了，楼上又在装修", "吵得我都想死"]
)
def test_everyday_hyperbole_is_neither_urgent_nor_a_crisis(classifier, text):
    p = classifier.predict(text)
    assert not p.urgent and p.emergency_kind != "self_harm"


def test_hyperbole_before_a_real_danger_does_not_hide_it(classifier):
    p = classifier.predict("急死了，我家孩子找不着了")
    assert p.urgent and p.emergency_kind == "missing_person"


def test_a_dog_that_ran_off_raises_no_alarm(classifier):
    assert not classifier.predict("我家狗跑出去一直没回来").urgent


def test_a_past_accident_told_with_what_is_still_missing_is_not_urgent(classifier):
    assert not classifier.predict("前几年有个孩子掉进那条河里，到现在也没装护栏").urgent


@pytest.mark.parametrize(
    "text, kind",
    [
        ("厂房里冒出滚滚黑烟，还有工人被困在里面", "fire"),
        ("村子里进水了，好几个老人被困在家里", "flood"),
        ("工人碰到掉下来的电线，倒在地上不动了", "electric"),
    ],
)
def test_a_person_trapped_or_felled_by_a_danger_gets_that_dangers_guidance(classifier, text, kind):
    p = classifier.predict(text)
    assert p.urgent and p.emergency_kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "燃气热水器点不着火了，找谁修",
        "孩子刚才在商场走丢了，现在找到了",
        "我妈前天晕倒了，现在在医院，想问问医保报销",
    ],
)
def test_a_fault_or_a_danger_found_and_over_raises_no_alarm(classifier, text):
    assert not classifier.predict(text).urgent


def test_asking_for_help_after_an_attempt_keeps_the_crisis_line_without_the_alarm(classifier):
    p = classifier.predict("我表姐自杀未遂，想问问哪里有心理援助")
    assert (p.risk, p.emergency_kind) == ("possible", "self_harm")


def test_a_threat_made_with_if_is_still_a_crisis(classifier):
    p = classifier.predict("要是他们再逼我，我就不想活了")
    assert p.urgent and p.emergency_kind == "self_harm"


def test_a_crisis_told_as_over_keeps_the_crisis_line_without_the_alarm(classifier):
    p = classifier.predict("前段时间有人在小区里割腕，已经救过来了，家属想找心理咨询")
    assert (p.risk, p.emergency_kind) == ("possible", "self_harm")


@pytest.mark.parametrize(
    "text", ["刚才有个老人晕倒，120已经拉走了，家属在路上", "厨房着火了，已经扑灭了，人没事"]
)
def test_a_danger_said_to_be_over_is_not_urgent(classifier, text):
    assert not classifier.predict(text).urgent


def test_a_cry_for_help_alone_is_urgent_not_a_greeting(classifier):
    p = classifier.predict("快来人啊")
    assert p.is_report and p.urgent and p.emergency_kind is not None


@pytest.mark.parametrize(
    "text", ["刚才我爸被我哥打了 满脸是血 躺地上了", "邻居老王用烟灰缸砸他老婆 现在在流血"]
)
def test_an_assault_told_by_the_wound_gets_the_police_line(classifier, text):
    p = classifier.predict(text)
    assert p.urgent and p.emergency_kind == "violence"


@pytest.mark.parametrize(
    "text",
    ["俺爹上山放羊 羊群自己回来了 人到现在没回来", "一起去的人都回来了 就他没回来 电话也打不通"],
)
def test_the_animals_or_the_others_coming_back_does_not_end_a_search(classifier, text):
    p = classifier.predict(text)
    assert p.urgent and p.emergency_kind == "missing_person"


@pytest.mark.parametrize(
    "text",
    [
        "我走了就不会再回来了 你们别找我",
        "老伴走了两年了 我一个人过 真想跟着她去",
        "俺婆婆老说不想活了 今天拎着百草枯去了地里",
    ],
)
def test_a_crisis_grown_from_the_past_or_from_old_talk_is_urgent_now(classifier, text):
    p = classifier.predict(text)
    assert (p.risk, p.emergency_kind) == ("urgent", "self_harm")


@pytest.mark.parametrize(
    "text",
    [
        "救命，这个APP登不上去",
        "屋里烧炭取暖要注意什么",
        "热得要着火了",
        "电视上那个剧里女的跳楼了",
        "刷抖音看到有人掉井里了",
        "手机掉河里了 捞不上来",
        "我们困在高速上两个小时了 堵车堵死了",
        "地铁里挤得我喘不过气",
        "老人上山还没回来 天黑前会自己回来的",
    ],
)
def test_danger_words_in_a_trifle_a_question_or_a_show_raise_no_alarm(classifier, text):
    assert not classifier.predict(text).urgent


@pytest.mark.parametrize(
    "text, kind",
    [("孩子掉河里了 快来人", "drowning"), ("电梯困人了 里面有个老人", "trapped")],
)
def test_a_person_in_the_water_or_in_a_lift_is_still_urgent(classifier, text, kind):
    p = classifier.predict(text)
    assert p.urgent and p.emergency_kind == kind


@pytest.mark.parametrize(
    "text", ["要是着火了可咋办", "前年这里出过车祸，有人受伤了", "去年我家着过火，现在房子修好了"]
)
def test_a_hypothetical_or_past_danger_is_not_urgent(classifier, text):
    assert not classifier.predict(text).urgent


@pytest.mark.parametrize(
    "text, intent",
    [
        ("能给我转人工吗", "ask_worker"),
        ("人呢？怎么没人回复", "ask_worker"),
        ("这个事情吧有点那个", "vague"),
        ("有个问题", "vague"),
        ("我要反映情况", "vague"),
        ("点击链接领取红包 http://hb.example.cn/x", "spam"),
        ("低保怎么申请", "ask_service"),
        ("怎么办理居住证", "ask_service"),
    ],
)
def test_messages_that_are_no_report_get_their_intent(classifier, text, intent):
    assert classifier.predict(text).intent == intent


def test_asking_for_a_person_stays_a_request_with_the_crisis_line_unless_danger_is_told(
    classifier,
):
    asking = classifier.predict("我想跟真人说话")
    told = classifier.predict("我不想活了，想找个人说说话")

    assert (asking.intent, asking.risk) == ("ask_worker", "possible")
    assert asking.emergency_kind == "self_harm"  # the reply leads with the crisis line
    assert (told.intent, told.category, told.urgent) == ("report", "special_population", True)


@pytest.mark.parametrize(
    "text, risk",
    [("我想找个人说说话", "possible"), ("我只想跟人说话", "possible"), ("转人工", "none")],
)
def test_wanting_someone_to_talk_to_gets_the_crisis_line_asking_for_service_does_not(
    classifier, text, risk
):
    p = classifier.predict(text)
    assert (p.intent, p.risk, p.is_report) == ("ask_worker", risk, False)


@pytest.mark.parametrize(
    "text, category",
    [
        ("小区门口垃圾堆了好几天没人清理，臭得很，我电话13900000001", "environment"),
        ("路灯坏了 电话13900000002", "traffic"),
        ("小区门口的垃圾又堆起来了，电话 139-0000-0003", "environment"),
        ("工地晚上十点还在打桩，吵得睡不着，有事打我电话 0371-86000001", "environment"),
    ],
)
def test_a_report_with_the_residents_phone_number_is_a_report(classifier, text, category):
    p = classifier.predict(text)
    assert (p.intent, p.category) == ("report", category)


@pytest.mark.parametrize(
    "text", ["专业疏通下水道，价格优惠，电话13900000058", "搬家公司 长短途 13900000012"]
)
def test_an_advert_with_a_phone_number_stays_spam(classifier, text):
    assert classifier.predict(text).intent == "spam"


def test_a_scam_link_the_resident_reports_is_a_report(classifier):
    p = classifier.predict("收到一条短信让我点链接领红包 http://hb.example.cn/x ，是不是诈骗")
    assert p.is_report and p.category == "public_security"


@pytest.mark.parametrize(
    "traditional, simplified",
    [
        ("樓道裡的燈壞了好幾天了", "楼道里的灯坏了好几天了"),
        ("隔壁著火了，快來人", "隔壁着火了，快来人"),
        ("鄰居家裝修噪音太大，天天吵架", "邻居家装修噪音太大，天天吵架"),
        ("我想問問養老金認證怎麼弄", "我想问问养老金认证怎么弄"),
    ],
)
def test_traditional_script_is_read_like_simplified(classifier, traditional, simplified):
    assert classifier.predict(traditional) == classifier.predict(simplified)


def test_full_width_letters_and_digits_are_read_like_half_width(classifier):
    assert classifier.predict("３号楼ＡＢ单元门口垃圾没人清") == classifier.predict(
        "3号楼AB单元门口垃圾没人清"
    )


def test_a_homophone_typo_reads_like_the_word_it_stands_for(classifier):
    assert classifier.predict("昨晚小头把我家电动车偷走了").category == "public_security"
    assert (
        classifier.predict("低保补帖一直没到账，麻烦网格员帮我问问").category == "public_service"
    )
    assert pinyin_pairs("小头") == pinyin_pairs("小偷") and pinyin_pairs("补帖") == pinyin_pairs(
        "补贴"
    )


def test_confidence_of_a_vague_text_is_not_near_certain(classifier):
    for text in ("这个事情吧有点那个", "有个问题", "那个谁说的那个事"):
        p = classifier.predict(text)
        assert not (p.is_report and p.confidence > 0.9), (text, p)


def test_training_data_has_enough_varied_examples():
    counts = Counter(example.intent for example in load_examples())
    assert all(counts[c] >= 80 for c in CATEGORY_IDS), counts
    assert all(counts[i] >= 15 for i in OTHER_INTENTS), counts
    texts = [example.text for example in load_examples()]
    assert len(texts) == len(set(texts))


def test_urgency_data_has_400_emergencies_of_every_kind_and_400_look_alikes():
    labels = Counter(example.intent for example in load_urgency_examples())
    assert labels["none"] >= 400
    assert sum(n for kind, n in labels.items() if kind != "none") >= 400
    assert set(labels) - {"none"} == set(rules.EMERGENCY_KINDS), labels


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is absent")
@pytest.mark.parametrize("name", ["teddy2020c_titles_all.csv", "teddy2020c_full_labeled.csv"])
def test_every_real_message_is_classified_without_error(classifier, name):
    import csv

    with (SHARED / name).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    outcomes = Counter(
        (row["original_label"], label_of(classifier.predict(row["text"]))) for row in rows
    )
    assert sum(outcomes.values()) == len(rows)
    environment = sum(n for (label, _), n in outcomes.items() if label == "环境保护")
    hits = outcomes[("环境保护", "environment")]
    assert hits > environment / 2, f"{hits} of {environment} 环境保护 rows came out environment"
    urgent = sum(classifier.predict(row["text"]).urgent for row in rows)
    assert urgent <= 0.03 * len(rows)


def test_training_data_copies_no_real_message():
    if not SHARED.exists():
        pytest.skip("../shared/data is absent")
    import csv

    with (SHARED / "teddy2020c_titles_all.csv").open(encoding="utf-8") as handle:
        real = {row["text"].strip() for row in csv.DictReader(handle)}
    assert not real & {example.text for example in load_examples()}


def test_the_word_lists_read_as_one_alternation_would():
    import re

    texts = [e.text for e in load_examples() + load_urgency_examples()]
    texts += ["我先走了，对不起大家", "切菜不小心割了自己", "火烧到三楼了", "他要是敢来"]
    for alternatives in (*rules.EMERGENCY_WORDS.values(), rules.IF_WORDS, rules.PAST_WORDS):
        plain, words = re.compile("|".join(alternatives)), rules.Words(alternatives)
        assert [bool(plain.search(t)) for t in texts] == [words.search(t) for t in texts]


@pytest.mark.parametrize(
    "pattern, fixed",
    [("(我|我也)?先走(一步)?了", "先走"), ("丢了?", "丢"), ("火{0,2}大火", "大火"), ("a|b", "")],
)
def test_the_fixed_part_of_a_pattern_is_in_every_match(pattern, fixed):
    assert rules.fixed_part(pattern) == fixed


@pytest.mark.parametrize(
    "text",
    [
        "我男朋友跟我视频，说他站在楼顶不想活了",  # a video call is no film
        "我不想再醒过来了，药已经吃下去了",  # 醒过来了 said of no rescue
        "我表姐上个月离婚了，她说想结束一切",  # a wish told now, whatever past it grew from
        "我同学之前住过院，她说想消失，再也不回来了",
    ],
)
def test_a_crisis_told_by_video_call_or_as_a_wish_to_end_it_is_urgent(classifier, text):
    p = classifier.predict(text)
    assert (p.risk, p.emergency_kind) == ("urgent", "self_harm")


@pytest.mark.parametrize(
    "text",
    [
        "这个表格填得我想死，改了五遍还是不对",
        "笑不活了，我妈把洗衣液当洗洁精洗碗了",
        "高三了，每天做题做到十二点，压力大得喘不过气",
    ],
)
def test_chores_that_make_one_want_to_die_are_hyperbole(classifier, text):
    p = classifier.predict(text)
    assert not p.urgent and p.emergency_kind != "self_harm"


@pytest.mark.parametrize(
    "text",
    [
        "公园湖里有只天鹅被鱼线缠住了，在水里扑腾",
        "我家猫被车撞了，腿在流血，附近有宠物医院吗",
        "村里的老黄牛掉进沟里了，腿好像断了，找几个人帮忙拉上来",
    ],
)
def test_an_animal_in_the_water_or_hurt_raises_no_alarm(classifier, text):
    assert not classifier.predict(text).urgent


@pytest.mark.parametrize(
    "text, kind",
    [
        ("钓鱼的大爷掉进河里了，在水里扑腾", "drowning"),
        ("邻居家的狗把我咬了，血流不止", "medical"),
    ],
)
def test_a_person_by_or_bitten_by_an_animal_is_still_in_danger(classifier, text, kind):
    p = classifier.predict(text)
    assert p.urgent and p.emergency_kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "水库那边有人落水，已经被救上来了，在卫生院观察",
        "村东头草垛着了，大家一起用水扑灭了，没烧到房子",
        "被困在电梯里的话，应该打给谁",
        "高层着火了应该往下跑还是往上跑",
        "停车场道闸坏了，我们的车被困在停车场出不去",
    ],
)
def test_a_rescue_or_fire_over_a_safety_question_or_a_parked_car_raise_no_alarm(classifier, text):
    assert not classifier.predict(text).urgent


def test_someone_pulled_out_not_breathing_is_still_urgent(classifier):
    p = classifier.predict("有人落水，被救上来了，没有呼吸")
    assert p.urgent and p.emergency_kind == "drowning"

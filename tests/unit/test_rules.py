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
